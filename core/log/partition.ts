/**
 * One partition: an ordered list of segments, the last one active. Owns offset assignment,
 * durability (group-committed fdatasync under flush 'always'), reads, waiting readers, and the
 * per-partition halves of retention and compaction. Everything that changes state runs
 * synchronously on the event loop, so appends are ordered without locks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CorruptLogError, OffsetOutOfRangeError, RecordTooLargeError, UnsupportedCompressionError } from '../errors.js';
import { codecById, codecLevel, isReadableCodec, readableCodecNames } from './codecs.js';
import { ProducerState, lastSequence, type ProducerBatch } from './producer-state.js';
import { decodeRecordBatch, decodeStoredBatches, encodeRecordBatch, encodeRecordBatchTransient, encodeRecordBatchesTransient, batchSizeAt, readBatchHeader, batchMaxTimestamp, setBaseOffset, stampLogAppendTime, validateBatches, type BatchHeader, type StoredDecodeOptions } from './record-batch.js';
import { Segment, segmentName, type Damage } from './segment.js';
import { ownCopy } from './transient-read.js';
import type { OpenFiles } from './segment-file.js';
import type { AppendRecord, AppendResult, Clock, Compression, FlushPolicy, LogRecord, Logger, TopicConfig } from './types.js';

interface Waiter {
  offset: number;
  resolve: (ready: boolean) => void;
}

const LOG_START_FILE = 'log-start-offset';

export class Partition {
  private segments: Segment[] = [];
  logStartOffset = 0;
  private waiters: Waiter[] = [];
  private syncQueue: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private syncing = false;
  /** Idempotent producers' sequences (./producer-state.ts), rebuilt from the batch headers on first use. */
  private producers: ProducerState | null = null;
  dirty = false;

  /** Damaged places already reported (a reader stepping over one again says nothing more). */
  private readonly reported = new Set<string>();
  private readonly onDamage = (d: Damage) => {
    const key = `${d.file}:${d.position}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.logger.error('unreadable bytes in the log: the records in them are skipped', {
      topic: this.topic,
      partition: this.partition,
      file: d.file,
      fromByte: d.position,
      toByte: d.resumeAt,
      lostOffsets: d.toOffset > d.fromOffset ? `${d.fromOffset}-${d.toOffset - 1}` : 'none known',
    });
  };

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string | null,
    public config: TopicConfig,
    private readonly flush: FlushPolicy,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly files?: OpenFiles,
  ) {}

  private newSegment(baseOffset: number): Segment {
    return Segment.create(this.dir, baseOffset, this.clock.now(), this.files, this.onDamage);
  }

  /**
   * Opens (or creates) the partition's segments, recovering the active segment's tail: a torn tail
   * (nothing valid after the first bad batch) is cut, as a crash during an unacknowledged write
   * leaves it. Corruption followed by valid batches, and a missing segment in the middle of a
   * non-compacted log, are refused with a CorruptLogError naming the file and the offsets, unless
   * `repair` (then the corrupt segment is cut at its first bad batch, a gap is accepted, and both
   * are logged as errors).
   */
  open(repair = false): this {
    if (!this.dir) {
      this.segments.push(this.newSegment(0));
      return this;
    }
    fs.mkdirSync(this.dir, { recursive: true });
    const bases = fs
      .readdirSync(this.dir)
      .filter((f) => /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    for (const f of fs.readdirSync(this.dir)) if (f.endsWith('.cleaned')) fs.rmSync(path.join(this.dir, f), { force: true });
    for (let i = 0; i < bases.length; i++) {
      const last = i === bases.length - 1;
      const { segment, scan } = Segment.open(this.dir, bases[i]!, last, this.files, this.onDamage);
      this.segments.push(segment);
      if (!scan || scan.validEnd === segment.size) continue;
      const where = { topic: this.topic, partition: this.partition, file: segment.path, position: scan.validEnd, offset: segment.endOffset };
      if (scan.validAfter && !repair) {
        throw new CorruptLogError(
          `the log of ${this.topic}/${this.partition} is corrupt at byte ${scan.validEnd} of ${segment.path} (offset ${segment.endOffset}), ` +
            `and valid records follow (from offset ${scan.validAfter.baseOffset} at byte ${scan.validAfter.position}): this is not a torn write, so nothing was truncated. ` +
            `To drop the corrupt batch and everything after it in this segment, start once with repair (sluice broker --repair, or openLog({ repair: true })), ` +
            `or truncate it yourself: truncate -s ${scan.validEnd} '${segment.path}'`,
        );
      }
      const truncatedBytes = segment.truncateTo(scan.validEnd);
      if (scan.validAfter) this.logger.error('repair: cut a corrupt segment at its first bad batch; the records after it are lost', { ...where, truncatedBytes, validFrom: scan.validAfter.baseOffset });
      else this.logger.warn('truncated a torn tail of the log on open; the records in it were never acknowledged under flush=always', { ...where, truncatedBytes });
    }
    this.checkContiguous(repair);
    if (this.segments.length === 0) this.segments.push(this.newSegment(0));
    try {
      const saved = Number(fs.readFileSync(path.join(this.dir, LOG_START_FILE), 'utf8'));
      if (Number.isFinite(saved)) this.logStartOffset = saved;
    } catch {
      // no checkpoint yet
    }
    this.logStartOffset = Math.min(Math.max(this.logStartOffset, this.segments[0]!.baseOffset), this.highWatermark);
    return this;
  }

  /**
   * Segments must follow each other without a hole (each starts where the previous one ends),
   * unless the topic is compacted, where whole batches may go. A hole means a segment file is
   * missing: its records would be skipped silently.
   */
  private checkContiguous(repair: boolean): void {
    if (this.config['cleanup.policy'].includes('compact')) return;
    for (let i = 1; i < this.segments.length; i++) {
      const prev = this.segments[i - 1]!;
      const next = this.segments[i]!;
      if (prev.endOffset >= next.baseOffset) continue;
      const range = `${prev.endOffset}-${next.baseOffset - 1}`;
      if (!repair) {
        throw new CorruptLogError(
          `the log of ${this.topic}/${this.partition} has no records for offsets ${range}: the segment ${segmentName(prev.endOffset)}.log is missing from ${this.dir}. ` +
            `Restore it, or start once with repair (sluice broker --repair, or openLog({ repair: true })) to go on without those records`,
        );
      }
      this.logger.error('repair: a segment is missing; readers skip its offsets', { topic: this.topic, partition: this.partition, missingOffsets: range, dir: this.dir });
    }
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  get highWatermark(): number {
    return this.active.endOffset;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /** The largest record timestamp in the partition; -1 when empty. */
  get maxTimestamp(): number {
    let ts = -1;
    for (const s of this.segments) if (s.maxTimestamp > ts) ts = s.maxTimestamp;
    return ts;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  private maybeRoll(incoming: number): void {
    const a = this.active;
    if (a.size === 0) return;
    const tooBig = a.size + incoming > this.config['segment.bytes'];
    const tooOld = this.clock.now() - a.createdAt >= this.config['segment.ms'];
    if (!tooBig && !tooOld) return;
    this.roll();
  }

  /** Closes the active segment and starts a new one at the high watermark. */
  roll(): void {
    const a = this.active;
    if (this.flush !== 'never') a.file.syncNow();
    a.saveIndexes();
    this.segments.push(this.newSegment(a.endOffset));
    if (this.dir && this.flush === 'always') syncDir(this.dir);
  }

  /**
   * Encodes and appends records; resolves when durable per the flush policy. Records that do not
   * fit one batch of max.message.bytes go as several batches (appended together, as a producer
   * splits them); a single record over the limit is refused with RecordTooLargeError.
   */
  append(records: readonly AppendRecord[], compression: Compression): Promise<AppendResult> {
    const now = this.clock.now();
    const baseOffset = this.highWatermark;
    const limit = this.config['max.message.bytes'];
    const level = codecLevel(compression, this.config);
    // A view of the encoder's scratch buffer: write() has copied it to the file (or the memory
    // segment) before anything can encode again. An uncompressed send over the limit (a task's
    // outputs of a large poll) is given up as soon as its keys and values, or its encoding, pass
    // the limit, and encoded again as consecutive batches of at most the limit each; a compressed
    // one is split after compressing, as its size is known only then; a single record is encoded
    // whole, so that its error gives its size.
    const batch = encodeRecordBatchTransient(records, { baseOffset, now, compression, compressionLevel: level }, records.length > 1 ? limit : Infinity);
    const several = batch === null ? encodeRecordBatchesTransient(records, { baseOffset, now, compression }, limit) : null;
    const parts =
      several !== null ? [several]
      : batch === null ? this.split(records, Math.max(limit + 1, payloadBytes(records)), limit, baseOffset, now, compression) // one record alone is over the limit
      : batch.length <= limit ? [batch]
      : this.split(records, batch.length, limit, baseOffset, now, compression);
    let maxTs = -1;
    for (const p of parts) {
      for (let pos = 0; pos < p.length; pos += batchSizeAt(p, pos, p.length)) {
        if (this.logAppendTime) stampLogAppendTime(p, pos, now);
        maxTs = Math.max(maxTs, batchMaxTimestamp(p, pos));
      }
    }
    return this.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts), baseOffset, baseOffset + records.length, maxTs, now);
  }

  /** message.timestamp.type = LogAppendTime: batches are stamped with the broker's time on append. */
  private get logAppendTime(): boolean {
    return this.config['message.timestamp.type'] === 'LogAppendTime';
  }

  /** The producer state, rebuilt from the headers of the batches still in the log the first time it is needed. */
  private producerState(): ProducerState {
    if (this.producers) return this.producers;
    const state = new ProducerState(`${this.topic}/${this.partition}`);
    for (const seg of this.segments) {
      for (const h of seg.headers()) {
        const [b] = producerBatch(h, h.baseOffset);
        if (b && h.endOffset > this.logStartOffset) state.record(b);
      }
    }
    state.expire(this.clock.now());
    this.producers = state;
    return state;
  }

  /** Batches of at most `limit` bytes holding `records` in order (the rare path: a send over max.message.bytes). */
  private split(records: readonly AppendRecord[], size: number, limit: number, baseOffset: number, now: number, compression: Compression): Buffer[] {
    if (records.length === 1) {
      throw new RecordTooLargeError(`a record of ${size} bytes (as a batch) is over max.message.bytes ${limit} of topic "${this.topic}": raise the topic's max.message.bytes or send smaller records`);
    }
    const out: Buffer[] = [];
    const per = Math.max(1, Math.floor((records.length * limit) / size / 1.25));
    for (let i = 0; i < records.length; i += per) {
      const chunk = records.slice(i, i + per);
      const b = encodeRecordBatch(chunk, { baseOffset: baseOffset + i, now, compression, compressionLevel: codecLevel(compression, this.config) });
      if (b.length <= limit) out.push(b);
      else out.push(...this.split(chunk, b.length, limit, baseOffset + i, now, compression));
    }
    return out;
  }

  /**
   * Appends validated RecordBatch v2 bytes verbatim, rewriting only the base offsets. Refuses what
   * the broker's Produce refuses: a batch over max.message.bytes, a codec no reader here decodes.
   */
  appendRaw(batches: Buffer): Promise<AppendResult> {
    const positions = validateBatches(batches);
    const limit = this.config['max.message.bytes'];
    const headers = positions.map((pos) => readBatchHeader(batches, pos));
    for (const h of headers) {
      if (h.size > limit) throw new RecordTooLargeError(`a record batch of ${h.size} bytes is over max.message.bytes ${limit} of topic "${this.topic}"`);
      if (!isReadableCodec(h.compression)) throw new UnsupportedCompressionError(h.compression, readableCodecNames());
    }
    const now = this.clock.now();
    const baseOffset = this.highWatermark;
    // Idempotent producers: every batch is checked (against the state and the batches before it in
    // this append) before anything is written, so a duplicate or a gap appends nothing.
    const produced: ProducerBatch[] = [];
    if (headers.some((h) => h.producerId >= 0 && !h.isControl)) {
      const state = this.producerState();
      let at = baseOffset;
      for (const h of headers) {
        const [b] = producerBatch(h, at);
        if (b) {
          state.check(b, produced);
          produced.push(b);
        }
        at += h.lastOffsetDelta + 1;
      }
    }
    let next = baseOffset;
    let maxTs = -1;
    for (let i = 0; i < positions.length; i++) {
      const h = headers[i]!;
      setBaseOffset(batches, positions[i]!, next);
      if (this.logAppendTime) stampLogAppendTime(batches, positions[i]!, now);
      next += h.lastOffsetDelta + 1;
      maxTs = Math.max(maxTs, this.logAppendTime ? now : h.maxTimestamp);
    }
    const result = this.write(batches, baseOffset, next, maxTs, now);
    for (const b of produced) this.producers!.record(b);
    return result;
  }

  private write(bytes: Buffer, baseOffset: number, endOffset: number, maxTimestamp: number, now: number): Promise<AppendResult> {
    this.maybeRoll(bytes.length);
    this.active.append(bytes, baseOffset, endOffset, maxTimestamp);
    this.dirty = true;
    this.wakeWaiters();
    const result: AppendResult = { baseOffset, lastOffset: endOffset - 1, appendTime: now };
    if (this.flush !== 'always' || !this.dir) return Promise.resolve(result);
    return this.sync().then(() => result);
  }

  /**
   * fdatasync of the active segment, group-committed: every append written before a sync starts
   * is covered by it; appends arriving during a sync wait for the next one.
   */
  sync(): Promise<void> {
    if (!this.dir) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.syncQueue.push({ resolve, reject });
      if (!this.syncing) void this.runSyncs();
    });
  }

  private async runSyncs(): Promise<void> {
    this.syncing = true;
    while (this.syncQueue.length > 0) {
      const batch = this.syncQueue;
      this.syncQueue = [];
      this.dirty = false;
      try {
        await this.active.file.sync();
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.syncing = false;
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const hw = this.highWatermark;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (hw > w.offset) w.resolve(true);
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /** Resolves true once the high watermark passes `offset`; false on timeout or abort. */
  waitFor(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.highWatermark > offset) return Promise.resolve(true);
    if (timeoutMs <= 0 || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(ready);
      };
      const waiter: Waiter = { offset, resolve: done };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Releases every waiter (on close or delete). */
  cancelWaiters(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.resolve(false);
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Whole raw batches from the one containing `offset`, about maxBytes (at least one batch). */
  read(offset: number, maxBytes: number, transient = false): Buffer[] {
    if (offset < this.logStartOffset) throw new OffsetOutOfRangeError(this.topic, this.partition, offset, this.logStartOffset);
    const out: Buffer[] = [];
    if (offset >= this.highWatermark) return out;
    let total = 0;
    for (let i = this.segmentIndexFor(offset); i < this.segments.length && total < maxBytes; i++) {
      // Transient reads of two segments share one buffer: the first segment's batches are copied before the second is read.
      if (transient && out.length > 0) for (let j = 0; j < out.length; j++) out[j] = ownCopy(out[j]!);
      const res = this.segments[i]!.read(offset, maxBytes - total, out, total === 0, transient);
      total += res.bytes;
      if (!res.reachedEnd) break;
    }
    return out;
  }

  /** The same as read, with the bytes read off the disk without blocking the event loop (the broker's Fetch). */
  async readAsync(offset: number, maxBytes: number): Promise<Buffer[]> {
    if (offset < this.logStartOffset) throw new OffsetOutOfRangeError(this.topic, this.partition, offset, this.logStartOffset);
    const out: Buffer[] = [];
    if (offset >= this.highWatermark) return out;
    let total = 0;
    let seg: Segment | undefined = this.segments[this.segmentIndexFor(offset)];
    while (seg && total < maxBytes) {
      const res = await seg.readAsync(offset, maxBytes - total, out, total === 0);
      total += res.bytes;
      if (!res.reachedEnd) break;
      // Retention may have removed segments meanwhile: go on from this one's place if it is still there.
      const i = this.segments.indexOf(seg);
      seg = i < 0 ? undefined : this.segments[i + 1];
    }
    return out;
  }

  /**
   * Records from `offset`: whole batches up to about maxBytes, decoded only as far as maxRecords
   * (a consumer's record budget), so a poll never decodes records it would throw away. `next` is
   * where the following read starts (past batches that had to be skipped).
   */
  readRecords(offset: number, maxBytes: number, maxRecords = Infinity, opts: StoredDecodeOptions = {}): { records: LogRecord[]; next: number } {
    // Read into the shared buffer; only the batches decoded are copied out, each into a buffer of its own (./transient-read.ts).
    return decodeStoredBatches(this.read(offset, maxBytes, true), offset, maxRecords, { onCorrupt: this.onCorruptBatch, topic: this.topic, partition: this.partition, ...opts, transient: true });
  }

  private readonly onCorruptBatch = (info: { baseOffset: number; endOffset: number; error: string }) =>
    this.logger.error('a record batch cannot be read and is skipped', { topic: this.topic, partition: this.partition, offsets: `${info.baseOffset}-${info.endOffset - 1}`, error: info.error });

  /** First offset whose timestamp is >= ts, with its timestamp; -1 when none. */
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } {
    for (const seg of this.segments) {
      const b = seg.findByTimestamp(ts);
      if (!b) continue;
      const recs = decodeRecordBatch(seg.file.read(b.position, b.size), 0, { verifyCrc: false });
      for (const r of recs) if (r.timestamp >= ts && r.offset >= this.logStartOffset) return { offset: r.offset, timestamp: r.timestamp };
    }
    return { offset: -1, timestamp: -1 };
  }

  /** Retention: deletes whole closed segments past retention.ms / retention.bytes. Returns segments deleted. */
  applyRetention(): number {
    const cfg = this.config;
    if (!cfg['cleanup.policy'].includes('delete')) return 0;
    const now = this.clock.now();
    let deleted = 0;
    let total = this.sizeBytes;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const expired = cfg['retention.ms'] >= 0 && oldest.maxTimestamp >= 0 && now - oldest.maxTimestamp > cfg['retention.ms'];
      const tooBig = cfg['retention.bytes'] >= 0 && total - oldest.size >= cfg['retention.bytes'];
      if (!expired && !tooBig) break;
      this.segments.shift();
      total -= oldest.size;
      oldest.remove();
      deleted++;
    }
    if (deleted > 0) this.setLogStart(this.segments[0]!.baseOffset);
    this.producers?.expire(now);
    return deleted;
  }

  /**
   * DeleteRecords: the log starts at `offset` from now on; closed segments wholly below it go.
   * Returns the log start offset (which never moves back).
   */
  deleteRecordsBefore(offset: number): number {
    if (offset > this.highWatermark || offset < 0) throw new OffsetOutOfRangeError(this.topic, this.partition, offset, this.logStartOffset);
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= offset) this.segments.shift()!.remove();
    this.setLogStart(offset);
    return this.logStartOffset;
  }

  private setLogStart(offset: number): void {
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    this.producers?.truncateBefore(offset);
    if (this.dir) writeFileAtomic(path.join(this.dir, LOG_START_FILE), String(offset));
  }

  /**
   * Compaction of closed segments: keeps the latest record per key (across the whole log) and
   * drops tombstones older than delete.retention.ms. Records keep their offsets.
   */
  compact(): number {
    if (!this.config['cleanup.policy'].includes('compact') || this.segments.length < 2) return 0;
    const latest = new Map<string, number>();
    for (const seg of this.segments) {
      for (const b of seg.batches()) {
        for (const r of decodeOrNothing(b.bytes)) {
          if (r.key) latest.set(r.key.toString('latin1'), r.offset);
        }
      }
    }
    const tombstoneHorizon = this.clock.now() - this.config['delete.retention.ms'];
    let removed = 0;
    for (let i = 0; i < this.segments.length - 1; i++) {
      const seg = this.segments[i]!;
      const kept: Buffer[] = [];
      let changed = false;
      for (const b of seg.batches()) {
        const recs = decodeOrNothing(b.bytes);
        // A batch that cannot be decoded is kept as it is: compaction never drops what it cannot read.
        if (recs.length === 0) {
          kept.push(Buffer.from(b.bytes));
          continue;
        }
        const keep = recs.filter((r) => {
          if (!r.key) return true;
          if (latest.get(r.key.toString('latin1')) !== r.offset) return false;
          return r.value !== null || r.timestamp >= tombstoneHorizon;
        });
        if (keep.length === recs.length) {
          kept.push(Buffer.from(b.bytes));
          continue;
        }
        changed = true;
        removed += recs.length - keep.length;
        if (keep.length === 0) continue;
        const compression = (codecById(readBatchHeader(b.bytes, 0).compression)?.name ?? 'none') as Compression;
        kept.push(
          encodeRecordBatch(
            keep.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
            { now: 0, compression, offsets: keep.map((r) => r.offset) },
          ),
        );
      }
      if (changed) seg.replaceContents(kept, this.files);
    }
    return removed;
  }

  /** Writes everything and saves the indexes (clean shutdown). A disk refusing the last sync is logged; the files are closed all the same. */
  close(): void {
    this.cancelWaiters();
    const a = this.active;
    try {
      if (this.dir && a) {
        if (this.flush !== 'never' || this.dirty) a.file.syncNow();
        a.saveIndexes();
      }
    } catch (err) {
      this.logger.error('closing the log: the last sync of a segment failed', { topic: this.topic, partition: this.partition, error: String(err) });
    } finally {
      for (const s of this.segments) s.close();
    }
  }

  /** Deletes all data (topic deletion). */
  destroy(): void {
    this.cancelWaiters();
    for (const s of this.segments) s.remove();
    this.segments = [];
  }

  /** Lets go of the files without saving anything (their directory was moved away to be deleted). */
  discard(): void {
    this.cancelWaiters();
    for (const s of this.segments) s.close();
    this.segments = [];
  }
}

/** Bytes of the records' keys, values and headers, counting a string's length: no batch of them is smaller. */
function payloadBytes(records: readonly AppendRecord[]): number {
  let n = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    n += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    const h = r.headers;
    if (h) for (const k in h) n += k.length + (h[k]?.length ?? 0);
  }
  return n;
}

function decodeOrNothing(bytes: Buffer): LogRecord[] {
  try {
    return decodeRecordBatch(bytes, 0, { verifyCrc: false });
  } catch {
    return [];
  }
}

export function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write to a temp file, fsync, rename, fsync the directory: the file is either old or new, never torn. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  syncDir(path.dirname(file));
}

/** An idempotent producer's batch as the producer state keeps it, or nothing for other batches. */
function producerBatch(h: BatchHeader, firstOffset: number): [ProducerBatch] | [] {
  if (h.producerId < 0 || h.isControl) return [];
  return [
    {
      producerId: h.producerId,
      epoch: h.producerEpoch,
      firstSeq: h.baseSequence,
      lastSeq: lastSequence(h.baseSequence, h.lastOffsetDelta),
      firstOffset,
      lastOffset: firstOffset + h.lastOffsetDelta,
      timestamp: h.maxTimestamp,
    },
  ];
}
