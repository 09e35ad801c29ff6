/**
 * One segment of a partition: `<baseOffset>.log` holding whole RecordBatch v2 batches, with a
 * sparse offset index (`.index`: relative offset int32 → position int32, one entry per
 * INDEX_INTERVAL bytes) and a sparse time index (`.timeindex`: max timestamp so far int64 →
 * relative offset int32). The indexes live in memory and are written out when the segment is
 * closed (rolled or the log shut down); a missing or damaged index is rebuilt by scanning batch
 * headers, as Kafka does after an unclean shutdown.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, readBatchHeader, validateBatch } from './record-batch.js';
import { DiskSegmentFile, MemorySegmentFile, type SegmentFile } from './segment-file.js';

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

  private constructor(
    readonly baseOffset: number,
    readonly file: SegmentFile,
    readonly dir: string | null,
    createdAt: number,
  ) {
    this.endOffset = baseOffset;
    this.createdAt = createdAt;
  }

  static create(dir: string | null, baseOffset: number, now: number): Segment {
    const file = dir ? new DiskSegmentFile(path.join(dir, `${segmentName(baseOffset)}.log`), true) : new MemorySegmentFile();
    return new Segment(baseOffset, file, dir, now);
  }

  /**
   * Opens an existing segment file. `verify` scans every batch with its CRC and truncates the file
   * at the first bad one (the active segment after a crash); otherwise the saved indexes are used
   * when they are sound. Returns the segment and how many bytes were cut.
   */
  static open(dir: string, baseOffset: number, verify: boolean): { segment: Segment; truncatedBytes: number } {
    const logPath = path.join(dir, `${segmentName(baseOffset)}.log`);
    const file = new DiskSegmentFile(logPath, false);
    const segment = new Segment(baseOffset, file, dir, fs.statSync(logPath).mtimeMs);
    if (!verify && segment.loadIndexes()) return { segment, truncatedBytes: 0 };
    const truncatedBytes = segment.rebuild(verify);
    return { segment, truncatedBytes };
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

  /** The batch containing or following `offset`, or null past the end. */
  findBatch(offset: number): BatchInfo | null {
    let pos = this.lookup(offset);
    const size = this.file.size;
    while (pos + BATCH_HEADER_SIZE <= size) {
      const h = readBatchHeader(this.file.read(pos, BATCH_HEADER_SIZE), 0);
      const endOffset = h.baseOffset + h.lastOffsetDelta + 1;
      if (endOffset > offset) return { position: pos, baseOffset: h.baseOffset, endOffset, maxTimestamp: h.maxTimestamp, size: h.size };
      pos += h.size;
    }
    return null;
  }

  /**
   * Whole batches from the one containing `offset`, up to maxBytes; with `atLeastOne` the first
   * batch is returned even if larger. Returns the bytes added and whether the segment's end was
   * reached (a reader may only go on to the next segment then, or it would skip records).
   */
  read(offset: number, maxBytes: number, out: Buffer[], atLeastOne: boolean): { bytes: number; reachedEnd: boolean } {
    const first = this.findBatch(offset);
    if (!first) return { bytes: 0, reachedEnd: true };
    const fileSize = this.file.size;
    // Read everything that may be needed in one call, then cut at batch boundaries.
    const want = Math.min(fileSize - first.position, Math.max(maxBytes, first.size));
    const chunk = this.file.read(first.position, want);
    let pos = 0;
    let total = 0;
    while (pos + LOG_OVERHEAD <= chunk.length) {
      const size = chunk.readInt32BE(pos + 8) + LOG_OVERHEAD;
      if (pos + size > chunk.length) break;
      if (total + size > maxBytes && !(atLeastOne && total === 0)) break;
      out.push(chunk.subarray(pos, pos + size));
      total += size;
      pos += size;
    }
    return { bytes: total, reachedEnd: first.position + pos >= fileSize };
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

  /** All batches (for compaction and recovery). */
  *batches(): Generator<BatchInfo & { bytes: Buffer }> {
    let pos = 0;
    const size = this.file.size;
    while (pos + BATCH_HEADER_SIZE <= size) {
      const h = readBatchHeader(this.file.read(pos, BATCH_HEADER_SIZE), 0);
      const bytes = this.file.read(pos, h.size);
      yield { position: pos, baseOffset: h.baseOffset, endOffset: h.baseOffset + h.lastOffsetDelta + 1, maxTimestamp: h.maxTimestamp, size: h.size, bytes };
      pos += h.size;
    }
  }

  /** Scans the file, rebuilding the indexes; with `verify`, cuts at the first invalid batch. */
  private rebuild(verify: boolean): number {
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
    while (pos < size) {
      if (size - pos < BATCH_HEADER_SIZE) break;
      const head = this.file.read(pos, BATCH_HEADER_SIZE);
      const h = readBatchHeader(head, 0);
      if (h.size < BATCH_HEADER_SIZE || pos + h.size > size || h.magic !== 2 || h.baseOffset < expected) break;
      if (verify) {
        try {
          validateBatch(this.file.read(pos, h.size), 0);
        } catch {
          break;
        }
      }
      const endOffset = h.baseOffset + h.lastOffsetDelta + 1;
      this.noteBatch(pos, h.baseOffset, endOffset, h.maxTimestamp);
      expected = endOffset;
      pos += h.size;
    }
    const cut = size - pos;
    if (cut > 0) {
      this.file.truncate(pos);
      this.file.syncNow();
    }
    return cut;
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
  replaceContents(batches: Buffer[]): void {
    const tmp = this.dir
      ? new DiskSegmentFile(path.join(this.dir, `${segmentName(this.baseOffset)}.log.cleaned`), true)
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
