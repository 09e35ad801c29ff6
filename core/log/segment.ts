/**
 * One segment of a partition: `<baseOffset>.log` holding whole RecordBatch v2 batches, with a
 * sparse offset index (`.index`: relative offset int32 → position int32, one entry per
 * INDEX_INTERVAL bytes) and a sparse time index (`.timeindex`: max timestamp so far int64 →
 * relative offset int32). The indexes live in memory and are written out when the segment is
 * closed (rolled or the log shut down); a missing or damaged index is rebuilt by scanning batch
 * headers, as Kafka does after an unclean shutdown.
 *
 * Damage: a batch header that cannot be right (length, magic, offsets going backwards) met while
 * reading is reported once and stepped over to the next batch that checks out (its CRC included),
 * or to the segment's end: a reader never stalls on it and never reads garbage as records. On
 * open, the active segment's tail is checked: a torn tail (nothing valid after the first bad
 * batch) is cut, corruption followed by valid batches is refused (see Partition.open).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BATCH_HEADER_SIZE, readBatchHeader, validateBatch, type BatchHeader } from './record-batch.js';
import { readTransient } from './transient-read.js';
import { DiskSegmentFile, MemorySegmentFile, type OpenFiles, type SegmentFile } from './segment-file.js';

export const INDEX_INTERVAL = 4096;

export function segmentName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

export interface BatchInfo {
  position: number;
  baseOffset: number;
  endOffset: number;
  maxTimestamp: number;
  size: number;
}

/** Unreadable bytes of a segment met while reading: [position, resumeAt), the offsets they held lost. */
export interface Damage {
  file: string;
  position: number;
  resumeAt: number;
  /** First offset that could not be read, and the next offset that can. */
  fromOffset: number;
  toOffset: number;
}

/** Where a segment reports damage it steps over (the partition logs it, once per place). */
export type DamageReporter = (d: Damage) => void;

/** Result of checking a segment's batches from the start: where the valid ones end, and whether valid batches follow a bad one. */
export interface ScanResult {
  validEnd: number;
  /** A valid batch found after the first bad one: its position and base offset (corruption, not a torn tail). */
  validAfter: { position: number; baseOffset: number } | null;
}

/** Whether a header read at `pos` of a file of `fileSize` bytes can be a batch following offset `expected`. */
function plausible(h: ReturnType<typeof readBatchHeader>, pos: number, fileSize: number, expected: number): boolean {
  return h.magic === 2 && h.size >= BATCH_HEADER_SIZE && pos + h.size <= fileSize && h.baseOffset >= expected && h.lastOffsetDelta >= 0 && h.baseOffset - expected < 2 ** 31;
}

export class Segment {
  /** Next offset after the last record in this segment. */
  endOffset: number;
  maxTimestamp = -1;
  /** When the segment was created (for segment.ms), by the log's clock. */
  readonly createdAt: number;
  private idxOffsets: number[] = [];
  private idxPositions: number[] = [];
  private timeTs: number[] = [];
  private timeOffsets: number[] = [];
  private lastIndexedPos = -INDEX_INTERVAL;
  /** Damaged places already found: position of the bad header → where reading resumes. */
  private readonly damage = new Map<number, number>();

  private constructor(
    readonly baseOffset: number,
    readonly file: SegmentFile,
    readonly dir: string | null,
    createdAt: number,
    private readonly report: DamageReporter,
  ) {
    this.endOffset = baseOffset;
    this.createdAt = createdAt;
  }

  static create(dir: string | null, baseOffset: number, now: number, files?: OpenFiles, report: DamageReporter = () => {}): Segment {
    const file = dir ? new DiskSegmentFile(path.join(dir, `${segmentName(baseOffset)}.log`), true, files) : new MemorySegmentFile();
    return new Segment(baseOffset, file, dir, now, report);
  }

  /**
   * Opens an existing segment file. `verify` (the active segment after a crash) checks every batch
   * with its CRC: the indexes cover the valid batches, and the result says where they end and
   * whether a valid batch follows a bad one; the caller decides whether to truncate. Otherwise the
   * saved indexes are used when they are sound.
   */
  static open(dir: string, baseOffset: number, verify: boolean, files?: OpenFiles, report: DamageReporter = () => {}): { segment: Segment; scan: ScanResult | null } {
    const logPath = path.join(dir, `${segmentName(baseOffset)}.log`);
    const file = new DiskSegmentFile(logPath, false, files);
    const segment = new Segment(baseOffset, file, dir, fs.statSync(logPath).mtimeMs, report);
    if (!verify && segment.loadIndexes()) return { segment, scan: null };
    const scan = segment.rebuild(verify);
    return { segment, scan: verify ? scan : null };
  }

  get path(): string {
    return this.file instanceof DiskSegmentFile ? this.file.path : `(memory segment ${segmentName(this.baseOffset)})`;
  }

  get size(): number {
    return this.file.size;
  }

  /** Appends whole batches already carrying their final offsets. */
  append(batches: Uint8Array, baseOffset: number, endOffset: number, maxTimestamp: number): void {
    const position = this.file.size;
    this.file.append(batches);
    this.noteBatch(position, baseOffset, endOffset, maxTimestamp);
  }

  private noteBatch(position: number, baseOffset: number, endOffset: number, maxTimestamp: number): void {
    if (position - this.lastIndexedPos >= INDEX_INTERVAL) {
      this.idxOffsets.push(baseOffset);
      this.idxPositions.push(position);
      this.lastIndexedPos = position;
    }
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.timeTs.push(maxTimestamp);
      this.timeOffsets.push(baseOffset);
    }
    this.endOffset = endOffset;
  }

  /** Position of the last indexed batch starting at or before `offset`. */
  private lookup(offset: number): number {
    const offs = this.idxOffsets;
    let lo = 0;
    let hi = offs.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (offs[mid]! <= offset) {
        found = this.idxPositions[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The batch containing or following `offset`, or null past the end. Damaged places are stepped over (and reported). */
  findBatch(offset: number): BatchInfo | null {
    let pos = this.lookup(offset);
    const size = this.file.size;
    let expected = this.baseOffset;
    while (pos + BATCH_HEADER_SIZE <= size) {
      const h = readBatchHeader(this.file.read(pos, BATCH_HEADER_SIZE), 0);
      if (!plausible(h, pos, size, expected)) {
        pos = this.stepOver(pos, expected);
        continue;
      }
      const endOffset = h.baseOffset + h.lastOffsetDelta + 1;
      if (endOffset > offset) return { position: pos, baseOffset: h.baseOffset, endOffset, maxTimestamp: h.maxTimestamp, size: h.size };
      expected = endOffset;
      pos += h.size;
    }
    return null;
  }

  /** Where reading resumes after the bad header at `pos`: the next valid batch, or the end of the segment. */
  private stepOver(pos: number, expected: number): number {
    const known = this.damage.get(pos);
    if (known !== undefined) return known;
    const next = findValidBatch(this.file, pos + 1, expected);
    const resumeAt = next ? next.position : this.file.size;
    this.damage.set(pos, resumeAt);
    this.report({ file: this.path, position: pos, resumeAt, fromOffset: expected, toOffset: next ? next.baseOffset : this.endOffset });
    return resumeAt;
  }

  /**
   * Whole batches from the one containing `offset`, up to maxBytes; with `atLeastOne` the first
   * batch is returned even if larger. Returns the bytes added and whether the segment's end was
   * reached (a reader may only go on to the next segment then, or it would skip records).
   */
  read(offset: number, maxBytes: number, out: Buffer[], atLeastOne: boolean, transient = false): { bytes: number; reachedEnd: boolean } {
    const first = this.findBatch(offset);
    if (!first) return { bytes: 0, reachedEnd: true };
    const len = this.wanted(first, maxBytes);
    // transient: the batches are views of a buffer the next transient read reuses (./transient-read.ts).
    return this.cut(first, transient ? readTransient(this.file, first.position, len) : this.file.read(first.position, len), maxBytes, out, atLeastOne);
  }

  /** The same as read, with the bytes read off the disk without blocking the event loop. */
  async readAsync(offset: number, maxBytes: number, out: Buffer[], atLeastOne: boolean): Promise<{ bytes: number; reachedEnd: boolean }> {
    const first = this.findBatch(offset);
    if (!first) return { bytes: 0, reachedEnd: true };
    return this.cut(first, await this.file.readAsync(first.position, this.wanted(first, maxBytes)), maxBytes, out, atLeastOne);
  }

  /** Everything that may be needed, read in one call and then cut at batch boundaries. */
  private wanted(first: BatchInfo, maxBytes: number): number {
    return Math.min(this.file.size - first.position, Math.max(maxBytes, first.size));
  }

  private cut(first: BatchInfo, chunk: Buffer, maxBytes: number, out: Buffer[], atLeastOne: boolean): { bytes: number; reachedEnd: boolean } {
    let pos = 0;
    let total = 0;
    let expected = first.baseOffset;
    while (pos + BATCH_HEADER_SIZE <= chunk.length) {
      const h = readBatchHeader(chunk, pos);
      // A bad header ends this read; the next one starting here steps over it (findBatch).
      if (h.magic !== 2 || h.size < BATCH_HEADER_SIZE || h.baseOffset < expected || h.lastOffsetDelta < 0) break;
      const size = h.size;
      if (pos + size > chunk.length) break;
      if (total + size > maxBytes && !(atLeastOne && total === 0)) break;
      out.push(chunk.subarray(pos, pos + size));
      expected = h.baseOffset + h.lastOffsetDelta + 1;
      total += size;
      pos += size;
    }
    return { bytes: total, reachedEnd: first.position + pos >= this.file.size };
  }

  /** First batch whose max timestamp is >= ts (for ListOffsets by time), or null. */
  findByTimestamp(ts: number): BatchInfo | null {
    if (this.maxTimestamp < ts) return null;
    // The time index holds increasing max timestamps: start from the last entry below ts.
    let start = this.baseOffset;
    for (let i = 0; i < this.timeTs.length; i++) {
      if (this.timeTs[i]! >= ts) break;
      start = this.timeOffsets[i]!;
    }
    let b = this.findBatch(start);
    while (b) {
      if (b.maxTimestamp >= ts) return b;
      b = this.findBatch(b.endOffset);
    }
    return null;
  }

  /** All batches (for compaction and recovery); damaged places are stepped over. */
  *batches(): Generator<BatchInfo & { bytes: Buffer }> {
    for (const h of this.headers()) {
      yield { position: h.position, baseOffset: h.baseOffset, endOffset: h.endOffset, maxTimestamp: h.maxTimestamp, size: h.size, bytes: this.file.read(h.position, h.size) };
    }
  }

  /** Every batch's header, reading only the headers (producer state is rebuilt from them). */
  *headers(): Generator<BatchHeader & { position: number; endOffset: number }> {
    let pos = 0;
    const size = this.file.size;
    let expected = this.baseOffset;
    while (pos + BATCH_HEADER_SIZE <= size) {
      const h = readBatchHeader(this.file.read(pos, BATCH_HEADER_SIZE), 0);
      if (!plausible(h, pos, size, expected)) {
        pos = this.stepOver(pos, expected);
        continue;
      }
      const endOffset = h.baseOffset + h.lastOffsetDelta + 1;
      yield { ...h, position: pos, endOffset };
      expected = endOffset;
      pos += h.size;
    }
  }

  /** Cuts the file at `position` (the end of its valid batches), for good. */
  truncateTo(position: number): number {
    const cut = this.file.size - position;
    if (cut > 0) {
      this.file.truncate(position);
      this.file.syncNow();
    }
    return cut;
  }

  /**
   * Scans the file from the start, rebuilding the indexes over the valid batches. With `verify`
   * each batch's CRC is checked too, and after the first bad batch the rest of the file is searched
   * for a valid one (corruption followed by good data, as opposed to a torn tail).
   */
  private rebuild(verify: boolean): ScanResult {
    this.idxOffsets = [];
    this.idxPositions = [];
    this.timeTs = [];
    this.timeOffsets = [];
    this.lastIndexedPos = -INDEX_INTERVAL;
    this.maxTimestamp = -1;
    this.endOffset = this.baseOffset;
    const size = this.file.size;
    let pos = 0;
    let expected = this.baseOffset;
    // The file is read in large chunks into one buffer rather than two reads (and a fresh buffer)
    // per batch: opening a log verifies its whole active segment, and per-batch reads made that
    // the largest cost of starting a pipeline over a big one.
    const scan = new ScanReader(this.file, size);
    while (pos < size) {
      if (size - pos < BATCH_HEADER_SIZE) break;
      const h = readBatchHeader(scan.buf, scan.at(pos, BATCH_HEADER_SIZE));
      if (!plausible(h, pos, size, expected)) break;
      if (verify) {
        try {
          const at = scan.at(pos, h.size);
          validateBatch(scan.buf, at, at + h.size);
        } catch {
          break;
        }
      }
      const endOffset = h.baseOffset + h.lastOffsetDelta + 1;
      this.noteBatch(pos, h.baseOffset, endOffset, h.maxTimestamp);
      expected = endOffset;
      pos += h.size;
    }
    const validAfter = verify && pos < size ? findValidBatch(this.file, pos + 1, expected) : null;
    return { validEnd: pos, validAfter };
  }

  /** Writes the sparse indexes next to the log (on roll and on clean close). */
  saveIndexes(): void {
    if (!this.dir) return;
    const base = path.join(this.dir, segmentName(this.baseOffset));
    const idx = Buffer.allocUnsafe(8 * this.idxOffsets.length + 16);
    for (let i = 0; i < this.idxOffsets.length; i++) {
      idx.writeInt32BE(this.idxOffsets[i]! - this.baseOffset, 8 * i);
      idx.writeInt32BE(this.idxPositions[i]!, 8 * i + 4);
    }
    // Trailer: the log size and end offset the index describes, so a stale index is detected.
    const t = 8 * this.idxOffsets.length;
    idx.writeDoubleBE(this.file.size, t);
    idx.writeDoubleBE(this.endOffset, t + 8);
    const tix = Buffer.allocUnsafe(12 * this.timeTs.length);
    for (let i = 0; i < this.timeTs.length; i++) {
      tix.writeDoubleBE(this.timeTs[i]!, 12 * i);
      tix.writeInt32BE(this.timeOffsets[i]! - this.baseOffset, 12 * i + 8);
    }
    fs.writeFileSync(`${base}.index`, idx);
    fs.writeFileSync(`${base}.timeindex`, tix);
  }

  private loadIndexes(): boolean {
    if (!this.dir) return false;
    const base = path.join(this.dir, segmentName(this.baseOffset));
    let idx: Buffer;
    let tix: Buffer;
    try {
      idx = fs.readFileSync(`${base}.index`);
      tix = fs.readFileSync(`${base}.timeindex`);
    } catch {
      return false;
    }
    if (idx.length < 16 || (idx.length - 16) % 8 !== 0 || tix.length % 12 !== 0) return false;
    const n = (idx.length - 16) / 8;
    if (idx.readDoubleBE(8 * n) !== this.file.size) return false;
    this.endOffset = idx.readDoubleBE(8 * n + 8);
    for (let i = 0; i < n; i++) {
      this.idxOffsets.push(this.baseOffset + idx.readInt32BE(8 * i));
      this.idxPositions.push(idx.readInt32BE(8 * i + 4));
    }
    this.lastIndexedPos = n ? this.idxPositions[n - 1]! : -INDEX_INTERVAL;
    for (let i = 0; i < tix.length / 12; i++) {
      this.timeTs.push(tix.readDoubleBE(12 * i));
      this.timeOffsets.push(this.baseOffset + tix.readInt32BE(12 * i + 8));
    }
    this.maxTimestamp = this.timeTs.length ? this.timeTs[this.timeTs.length - 1]! : -1;
    return true;
  }

  /** Replaces the contents with compacted batches (same base offset), rebuilding the indexes. */
  replaceContents(batches: Buffer[], files?: OpenFiles): void {
    const tmp = this.dir
      ? new DiskSegmentFile(path.join(this.dir, `${segmentName(this.baseOffset)}.log.cleaned`), true, files)
      : new MemorySegmentFile();
    for (const b of batches) tmp.append(b);
    const endOffset = this.endOffset;
    this.file.replaceWith(tmp);
    this.rebuild(false);
    // Compaction may drop the last records of a segment; its offset range stays what it was.
    this.endOffset = endOffset;
    this.saveIndexes();
  }

  close(): void {
    this.file.close();
  }

  remove(): void {
    this.file.remove();
    if (!this.dir) return;
    const base = path.join(this.dir, segmentName(this.baseOffset));
    fs.rmSync(`${base}.index`, { force: true });
    fs.rmSync(`${base}.timeindex`, { force: true });
  }
}

/** How much of a file is searched at a time for the next valid batch. */
const SCAN_WINDOW = 1 << 20;

/**
 * The first position at or after `from` where a whole, CRC-valid batch with base offset >=
 * `expected` starts, or null. Only runs on damage: a cheap header check filters candidates before
 * their CRC is computed.
 */
/** Sequential reads of a file through one buffer of up to SCAN_CHUNK bytes (larger only for a larger batch). */
class ScanReader {
  buf: Buffer;
  private start = 0;
  private end = 0;

  constructor(
    private readonly file: SegmentFile,
    size: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(BATCH_HEADER_SIZE, Math.min(SCAN_CHUNK, size)));
  }

  /** Makes bytes [pos, pos+len) of the file available in buf and returns where they start in it. */
  at(pos: number, len: number): number {
    if (pos >= this.start && pos + len <= this.end) return pos - this.start;
    if (len > this.buf.length) this.buf = Buffer.allocUnsafe(len);
    this.start = pos;
    this.end = pos + this.file.readInto(this.buf, 0, pos, this.buf.length);
    return 0;
  }
}

const SCAN_CHUNK = 4 << 20;

export function findValidBatch(file: SegmentFile, from: number, expected: number): { position: number; baseOffset: number } | null {
  const size = file.size;
  for (let start = from; start + BATCH_HEADER_SIZE <= size; start += SCAN_WINDOW) {
    const window = file.read(start, Math.min(SCAN_WINDOW + BATCH_HEADER_SIZE, size - start));
    const last = Math.min(SCAN_WINDOW, window.length - BATCH_HEADER_SIZE + 1);
    for (let i = 0; i < last; i++) {
      if (window[i + 16] !== 2) continue;
      const h = readBatchHeader(window, i);
      if (!plausible(h, start + i, size, expected)) continue;
      const bytes = i + h.size <= window.length ? window.subarray(i, i + h.size) : file.read(start + i, h.size);
      try {
        validateBatch(bytes, 0);
      } catch {
        continue;
      }
      return { position: start + i, baseOffset: h.baseOffset };
    }
  }
  return null;
}
