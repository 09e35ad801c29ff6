/**
 * The bytes of one segment: on disk (positional reads and writes) or in memory (one growable
 * Buffer). Segments and partitions are written once against this interface, which is how the
 * in-memory mode runs the same engine as the durable one.
 *
 * Disk files hold no file descriptor of their own: a descriptor is opened when the file is first
 * read or written and kept in the engine's bounded OpenFiles cache, which closes the least
 * recently used idle ones. So a log of 20 000 partitions opens (and reopens after a restart)
 * without running out of descriptors (EMFILE), and an idle partition holds none. A descriptor in
 * use by an asynchronous read or sync is pinned and is closed only once that finishes.
 */
import fs from 'node:fs';
import { LogStorageError } from '../errors.js';

export interface SegmentFile {
  readonly size: number;
  append(buf: Uint8Array): void;
  /** Bytes [pos, pos+len); may be a view (memory) or a fresh buffer (disk). */
  read(pos: number, len: number): Buffer;
  /** Copies bytes [pos, pos+len) into `target` at `at`; returns how many there were (fewer at the end of the file). */
  readInto(target: Uint8Array, at: number, pos: number, len: number): number;
  /** The same, without blocking the event loop on the disk (the broker's Fetch reads this way). */
  readAsync(pos: number, len: number): Promise<Buffer>;
  truncate(len: number): void;
  /** fdatasync (no-op in memory). */
  sync(): Promise<void>;
  syncNow(): void;
  close(): void;
  /** Removes the file (after close). */
  remove(): void;
  /** Atomically replaces this file's contents with `other`'s (compaction); `other` is consumed. */
  replaceWith(other: SegmentFile): void;
}

/** Error codes that mean the disk (not the caller) is at fault: answered as KAFKA_STORAGE_ERROR. */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG']);

export function isStorageFailure(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && STORAGE_CODES.has((err as NodeJS.ErrnoException).code ?? '');
}

function storageError(path: string, err: unknown): unknown {
  return isStorageFailure(err) ? new LogStorageError(path, err) : err;
}

/**
 * The engine's cap on open segment descriptors (least recently used first out). A file in use
 * (pinned) is never closed; the cap may then be exceeded for as long as the pins last.
 */
export class OpenFiles {
  private readonly lru = new Map<DiskSegmentFile, true>();
  private last: DiskSegmentFile | null = null;

  constructor(readonly max: number) {}

  get count(): number {
    return this.lru.size;
  }

  opened(f: DiskSegmentFile): void {
    this.lru.set(f, true);
    this.last = f;
    if (this.lru.size > this.max) this.evict();
  }

  touch(f: DiskSegmentFile): void {
    if (this.last === f) return;
    this.lru.delete(f);
    this.lru.set(f, true);
    this.last = f;
  }

  closed(f: DiskSegmentFile): void {
    this.lru.delete(f);
    if (this.last === f) this.last = null;
  }

  private evict(): void {
    for (const f of this.lru.keys()) {
      if (this.lru.size <= this.max) return;
      if (f !== this.last && f.closeIdle()) this.lru.delete(f);
    }
  }
}

/** Unbounded: for files opened outside an engine (tools, tests). */
const UNBOUNDED = new OpenFiles(Infinity);

export class DiskSegmentFile implements SegmentFile {
  private fd = -1;
  size: number;
  private pins = 0;
  /** Descriptors replaced (compaction) or closed while pinned: closed when the last pin goes. */
  private retired: number[] = [];

  constructor(
    readonly path: string,
    create: boolean,
    private readonly files: OpenFiles = UNBOUNDED,
  ) {
    if (create) {
      try {
        this.fd = fs.openSync(path, 'w+');
      } catch (err) {
        throw storageError(path, err);
      }
      this.size = 0;
      files.opened(this);
    } else {
      this.size = fs.statSync(path).size;
    }
  }

  /** The open descriptor (opening it if the cache closed it). */
  private handle(): number {
    if (this.fd < 0) {
      this.fd = fs.openSync(this.path, 'r+');
      this.files.opened(this);
    } else this.files.touch(this);
    return this.fd;
  }

  private pin(): number {
    const fd = this.handle();
    this.pins++;
    return fd;
  }

  private unpin(): void {
    if (--this.pins > 0) return;
    for (const fd of this.retired) fs.close(fd, () => {});
    this.retired = [];
  }

  /** Called by the cache: closes the descriptor unless it is in use. */
  closeIdle(): boolean {
    if (this.pins > 0 || this.fd < 0) return false;
    fs.closeSync(this.fd);
    this.fd = -1;
    return true;
  }

  append(buf: Uint8Array): void {
    const fd = this.handle();
    let off = 0;
    try {
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, this.size + off);
    } catch (err) {
      // A partial write (disk full) must not leave bytes past the end: the next append would
      // write over them, but a restart would find them there.
      if (off > 0) {
        try {
          fs.ftruncateSync(fd, this.size);
        } catch {
          // the truncation failing too leaves a torn tail, which opening the log cuts
        }
      }
      throw storageError(this.path, err);
    }
    this.size += buf.length;
  }

  read(pos: number, len: number): Buffer {
    const n = Math.max(0, Math.min(len, this.size - pos));
    const out = Buffer.allocUnsafe(n);
    if (n === 0) return out;
    const fd = this.handle();
    let got = 0;
    while (got < n) {
      const r = fs.readSync(fd, out, got, n - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? out : out.subarray(0, got);
  }

  readInto(target: Uint8Array, at: number, pos: number, len: number): number {
    const n = Math.max(0, Math.min(len, this.size - pos));
    if (n === 0) return 0;
    const fd = this.handle();
    let got = 0;
    while (got < n) {
      const r = fs.readSync(fd, target, at + got, n - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    return got;
  }

  async readAsync(pos: number, len: number): Promise<Buffer> {
    const n = Math.max(0, Math.min(len, this.size - pos));
    const out = Buffer.allocUnsafe(n);
    if (n === 0) return out;
    const fd = this.pin();
    try {
      let got = 0;
      while (got < n) {
        const r = await new Promise<number>((resolve, reject) => fs.read(fd, out, got, n - got, pos + got, (err, bytes) => (err ? reject(err) : resolve(bytes))));
        if (r === 0) break;
        got += r;
      }
      return got === n ? out : out.subarray(0, got);
    } finally {
      this.unpin();
    }
  }

  truncate(len: number): void {
    fs.ftruncateSync(this.handle(), len);
    this.size = len;
  }

  async sync(): Promise<void> {
    const fd = this.pin();
    try {
      await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(storageError(this.path, err)) : resolve())));
    } finally {
      this.unpin();
    }
  }

  syncNow(): void {
    try {
      fs.fdatasyncSync(this.handle());
    } catch (err) {
      throw storageError(this.path, err);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    if (this.pins > 0) this.retired.push(this.fd);
    else fs.closeSync(this.fd);
    this.fd = -1;
    this.files.closed(this);
  }

  remove(): void {
    this.close();
    fs.rmSync(this.path, { force: true });
  }

  replaceWith(other: SegmentFile): void {
    if (!(other instanceof DiskSegmentFile)) throw new TypeError('cannot replace a disk segment with a memory one');
    other.syncNow();
    fs.renameSync(other.path, this.path);
    this.close();
    other.files.closed(other);
    this.fd = other.fd;
    this.size = other.size;
    other.fd = -1;
    if (this.fd >= 0) this.files.opened(this);
  }
}

export class MemorySegmentFile implements SegmentFile {
  private buf = Buffer.allocUnsafe(0);
  size = 0;

  append(data: Uint8Array): void {
    if (this.size + data.length > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(64 * 1024, (this.size + data.length) * 2));
      this.buf.copy(next, 0, 0, this.size);
      this.buf = next;
    }
    this.buf.set(data, this.size);
    this.size += data.length;
  }

  read(pos: number, len: number): Buffer {
    return this.buf.subarray(pos, Math.min(this.size, pos + len));
  }

  readInto(target: Uint8Array, at: number, pos: number, len: number): number {
    const n = Math.max(0, Math.min(len, this.size - pos));
    if (n > 0) target.set(this.buf.subarray(pos, pos + n), at);
    return n;
  }

  readAsync(pos: number, len: number): Promise<Buffer> {
    return Promise.resolve(this.read(pos, len));
  }

  truncate(len: number): void {
    this.size = Math.min(this.size, len);
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  syncNow(): void {}

  close(): void {}

  remove(): void {
    this.buf = Buffer.allocUnsafe(0);
    this.size = 0;
  }

  replaceWith(other: SegmentFile): void {
    if (!(other instanceof MemorySegmentFile)) throw new TypeError('cannot replace a memory segment with a disk one');
    this.buf = other.buf;
    this.size = other.size;
  }
}
