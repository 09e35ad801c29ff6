/**
 * One partition: an ordered list of segments, the last one active. Owns offset assignment,
 * durability (group-committed fdatasync under flush 'always'), reads, waiting readers, and the
 * per-partition halves of retention and compaction. Everything that changes state runs
 * synchronously on the event loop, so appends are ordered without locks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OffsetOutOfRangeError } from '../errors.js';
import { decodeRecordBatch, decodeStoredBatches, encodeRecordBatch, readBatchHeader, setBaseOffset, validateBatches } from './record-batch.js';
import { Segment, segmentName } from './segment.js';
import type { AppendResult, Clock, FlushPolicy, LogRecord, Logger, TopicConfig } from './types.js';

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
  dirty = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string | null,
    public config: TopicConfig,
    private readonly flush: FlushPolicy,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Opens (or creates) the partition's segments, recovering the active segment's tail. */
  open(): this {
    if (!this.dir) {
      this.segments.push(Segment.create(null, 0, this.clock.now()));
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
      const { segment, truncatedBytes } = Segment.open(this.dir, bases[i]!, last);
      if (truncatedBytes > 0) {
        this.logger.warn('truncated a torn or corrupt tail of the log on open; the records in it were never acknowledged under flush=always', {
          topic: this.topic,
          partition: this.partition,
          segment: segmentName(bases[i]!),
          truncatedBytes,
        });
      }
      this.segments.push(segment);
    }
    if (this.segments.length === 0) this.segments.push(Segment.create(this.dir, 0, this.clock.now()));
    try {
      const saved = Number(fs.readFileSync(path.join(this.dir, LOG_START_FILE), 'utf8'));
      if (Number.isFinite(saved)) this.logStartOffset = saved;
    } catch {
      // no checkpoint yet
    }
    this.logStartOffset = Math.min(Math.max(this.logStartOffset, this.segments[0]!.baseOffset), this.highWatermark);
    return this;
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
    this.segments.push(Segment.create(this.dir, a.endOffset, this.clock.now()));
    if (this.dir && this.flush === 'always') syncDir(this.dir);
  }

  /** Encodes and appends records; resolves when durable per the flush policy. */
  append(records: Parameters<typeof encodeRecordBatch>[0], compression: 'none' | 'gzip'): Promise<AppendResult> {
    const now = this.clock.now();
    const baseOffset = this.highWatermark;
    const batch = encodeRecordBatch(records, { baseOffset, now, compression });
    const h = readBatchHeader(batch, 0);
    return this.write(batch, baseOffset, baseOffset + records.length, h.maxTimestamp, now);
  }

  /** Appends validated RecordBatch v2 bytes verbatim, rewriting only the base offsets. */
  appendRaw(batches: Buffer): Promise<AppendResult> {
    const positions = validateBatches(batches);
    const now = this.clock.now();
    const baseOffset = this.highWatermark;
    let next = baseOffset;
    let maxTs = -1;
    for (const pos of positions) {
      const h = readBatchHeader(batches, pos);
      setBaseOffset(batches, pos, next);
      next += h.lastOffsetDelta + 1;
      if (h.maxTimestamp > maxTs) maxTs = h.maxTimestamp;
    }
    return this.write(batches, baseOffset, next, maxTs, now);
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
  read(offset: number, maxBytes: number): Buffer[] {
    if (offset < this.logStartOffset) throw new OffsetOutOfRangeError(this.topic, this.partition, offset, this.logStartOffset);
    const out: Buffer[] = [];
    if (offset >= this.highWatermark) return out;
    let total = 0;
    for (let i = this.segmentIndexFor(offset); i < this.segments.length && total < maxBytes; i++) {
      const res = this.segments[i]!.read(offset, maxBytes - total, out, total === 0);
      total += res.bytes;
      if (!res.reachedEnd) break;
    }
    return out;
  }

  /**
   * Records from `offset`: whole batches up to about maxBytes, decoded only as far as maxRecords
   * (a consumer's record budget), so a poll never decodes records it would throw away.
   */
  readRecords(offset: number, maxBytes: number, maxRecords = Infinity): LogRecord[] {
    return decodeStoredBatches(this.read(offset, maxBytes), offset, maxRecords);
  }

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
        for (const r of decodeRecordBatch(b.bytes, 0, { verifyCrc: false })) {
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
        const recs = decodeRecordBatch(b.bytes, 0, { verifyCrc: false });
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
        const compression = readBatchHeader(b.bytes, 0).compression === 1 ? 'gzip' : 'none';
        kept.push(
          encodeRecordBatch(
            keep.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
            { now: 0, compression, offsets: keep.map((r) => r.offset) },
          ),
        );
      }
      if (changed) seg.replaceContents(kept);
    }
    return removed;
  }

  /** Writes everything and saves the indexes (clean shutdown). */
  close(): void {
    this.cancelWaiters();
    const a = this.active;
    if (this.dir) {
      if (this.flush !== 'never' || this.dirty) a.file.syncNow();
      a.saveIndexes();
    }
    for (const s of this.segments) s.close();
  }

  /** Deletes all data (topic deletion). */
  destroy(): void {
    this.cancelWaiters();
    for (const s of this.segments) s.remove();
    this.segments = [];
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
