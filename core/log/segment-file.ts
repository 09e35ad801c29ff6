/**
 * The bytes of one segment: on disk (positional reads and writes on one fd) or in memory (one
 * growable Buffer). Segments and partitions are written once against this interface, which is how
 * the in-memory mode runs the same engine as the durable one.
 */
import fs from 'node:fs';

export interface SegmentFile {
  readonly size: number;
  append(buf: Uint8Array): void;
  /** Bytes [pos, pos+len); may be a view (memory) or a fresh buffer (disk). */
  read(pos: number, len: number): Buffer;
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

export class DiskSegmentFile implements SegmentFile {
  private fd: number;
  size: number;

  constructor(readonly path: string, create: boolean) {
    this.fd = fs.openSync(path, create ? 'w+' : 'r+');
    this.size = fs.fstatSync(this.fd).size;
  }

  append(buf: Uint8Array): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off, this.size + off);
    this.size += buf.length;
  }

  read(pos: number, len: number): Buffer {
    const n = Math.max(0, Math.min(len, this.size - pos));
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.fd, out, got, n - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? out : out.subarray(0, got);
  }

  truncate(len: number): void {
    fs.ftruncateSync(this.fd, len);
    this.size = len;
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  syncNow(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
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
    this.fd = other.fd;
    this.size = other.size;
    other.fd = -1;
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
