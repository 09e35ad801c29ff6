/**
 * The embedded log: topics of partitions in a data directory (or in memory), implementing the
 * LogEngine contract of ./types.ts.
 *
 * Layout: <dataDir>/<topic>/topic.json (partition count + config) and <dataDir>/<topic>/<p>/
 * with the partition's segments. A lock file keeps a second process (or a second engine in this
 * one) from writing the same directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ClosedError, InvalidConfigError, TopicExistsError, UnknownPartitionError, UnknownTopicError } from '../errors.js';
import { DataDirLockedError } from './errors.js';
import { Partition, syncDir, writeFileAtomic } from './partition.js';
import { parseTopicConfig, validatePartitionCount, validateTopicName } from './topic-config.js';
import { batchEndOffset, decodeRecordBatch } from './record-batch.js';
import {
  systemClock,
  type AppendRecord,
  type AppendResult,
  type Clock,
  type Compression,
  type FlushPolicy,
  type LogEngine,
  type LogRecord,
  type Logger,
  type OffsetSpec,
  type OpenLogOptions,
  type ReadResult,
  type TopicConfig,
  type TopicDescription,
} from './types.js';

const TOPIC_FILE = 'topic.json';
const LOCK_FILE = '.lock';
const TRASH = '~trash';

/** Data directories open in this process (a second engine on one would corrupt it). */
const openDirs = new Set<string>();

interface Topic {
  name: string;
  config: TopicConfig;
  partitions: Partition[];
}

export const stderrLogger: Logger = {
  debug: () => {},
  info: (msg, fields) => process.stderr.write(JSON.stringify({ level: 'info', msg, ...fields }) + '\n'),
  warn: (msg, fields) => process.stderr.write(JSON.stringify({ level: 'warn', msg, ...fields }) + '\n'),
  error: (msg, fields) => process.stderr.write(JSON.stringify({ level: 'error', msg, ...fields }) + '\n'),
};

export async function openLog(opts: OpenLogOptions = {}): Promise<LogEngine> {
  const engine = new EmbeddedLog(opts);
  engine.load();
  return engine;
}

export class EmbeddedLog implements LogEngine {
  readonly dataDir: string | null;
  readonly clock: Clock;
  topicsVersion = 0;
  private readonly flushPolicy: FlushPolicy;
  private readonly logger: Logger;
  private readonly defaults: Partial<TopicConfig>;
  private readonly topics = new Map<string, Topic>();
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(opts: OpenLogOptions) {
    this.dataDir = opts.memory || !opts.dataDir ? null : path.resolve(opts.dataDir);
    this.clock = opts.clock ?? systemClock;
    this.flushPolicy = opts.flush ?? 'always';
    this.logger = opts.logger ?? stderrLogger;
    this.defaults = opts.topicDefaults ?? {};
    if (typeof this.flushPolicy === 'object' && !(this.flushPolicy.intervalMs > 0)) {
      throw new InvalidConfigError(`flush.intervalMs must be a positive number, got ${this.flushPolicy.intervalMs}`);
    }
    const maintenance = opts.maintenanceIntervalMs ?? 30_000;
    if (maintenance > 0) this.timers.push(setInterval(() => void this.runMaintenance().catch((e) => this.logger.error('log maintenance failed', { error: String(e) })), maintenance).unref());
    if (typeof this.flushPolicy === 'object') {
      this.timers.push(setInterval(() => void this.flushDirty(), this.flushPolicy.intervalMs).unref());
    }
  }

  /** Takes the lock and loads the topics of the data directory. */
  load(): void {
    const dir = this.dataDir;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    this.lock(dir);
    fs.rmSync(path.join(dir, TRASH), { recursive: true, force: true });
    for (const name of fs.readdirSync(dir)) {
      const meta = path.join(dir, name, TOPIC_FILE);
      if (!fs.existsSync(meta)) continue;
      const { partitions, config } = JSON.parse(fs.readFileSync(meta, 'utf8')) as { partitions: number; config: TopicConfig };
      const cfg = parseTopicConfig(config);
      const topic: Topic = { name, config: cfg, partitions: [] };
      for (let p = 0; p < partitions; p++) topic.partitions.push(this.newPartition(name, p, cfg).open());
      this.topics.set(name, topic);
    }
  }

  private lock(dir: string): void {
    if (openDirs.has(dir)) throw new DataDirLockedError(dir, process.pid);
    const lockPath = path.join(dir, LOCK_FILE);
    // 'wx' creates the file only if it does not exist, so two processes starting at once cannot
    // both take the lock. A lock left by a dead process (or this pid, reused) is taken over.
    for (let attempt = 0; ; attempt++) {
      try {
        fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(lockPath, 'utf8'));
      } catch {
        // vanished meanwhile: retry
      }
      const live = holder && holder !== process.pid && isAlive(holder);
      // A second failure means another process took over the stale lock in between.
      if (live || attempt > 0) throw new DataDirLockedError(dir, holder);
      fs.rmSync(lockPath, { force: true });
    }
    openDirs.add(dir);
  }

  private newPartition(topic: string, p: number, config: TopicConfig): Partition {
    const dir = this.dataDir ? path.join(this.dataDir, topic, String(p)) : null;
    return new Partition(topic, p, dir, config, this.flushPolicy, this.clock, this.logger);
  }

  private check(): void {
    if (this.closed) throw new ClosedError('the log');
  }

  private topic(name: string): Topic {
    const t = this.topics.get(name);
    if (!t) throw new UnknownTopicError(name);
    return t;
  }

  private partition(topic: string, partition: number): Partition {
    const t = this.topic(topic);
    const p = t.partitions[partition];
    if (!p) throw new UnknownPartitionError(topic, partition);
    return p;
  }

  async createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<TopicDescription> {
    this.check();
    validateTopicName(name);
    const count = validatePartitionCount(opts.partitions);
    const config = parseTopicConfig(opts.config ?? {}, this.defaults);
    if (this.topics.has(name)) throw new TopicExistsError(name);
    if (this.dataDir) {
      const dir = path.join(this.dataDir, name);
      fs.mkdirSync(dir, { recursive: true });
      writeFileAtomic(path.join(dir, TOPIC_FILE), JSON.stringify({ partitions: count, config }, null, 2));
      syncDir(this.dataDir);
    }
    const topic: Topic = { name, config, partitions: [] };
    for (let p = 0; p < count; p++) topic.partitions.push(this.newPartition(name, p, config).open());
    this.topics.set(name, topic);
    this.topicsVersion++;
    return this.describeTopic(name);
  }

  /**
   * Changes topic configs (Kafka's IncrementalAlterConfigs): a value sets a key, null puts it back
   * to its default. Validated as a whole before anything changes; partitions see the new config
   * at once (the next roll, retention and compaction follow it).
   */
  async alterTopicConfig(name: string, changes: Record<string, string | number | null>): Promise<TopicConfig> {
    this.check();
    const t = this.topic(name);
    const next: Record<string, unknown> = { ...t.config };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const config = parseTopicConfig(next, this.defaults);
    this.writeTopicFile(name, t.partitions.length, config);
    t.config = config;
    for (const p of t.partitions) p.config = config;
    return { ...config };
  }

  /** Grows a topic to `total` partitions (Kafka's CreatePartitions: a topic never shrinks). */
  async createPartitions(name: string, total: number): Promise<void> {
    this.check();
    const t = this.topic(name);
    const count = validatePartitionCount(total);
    if (count <= t.partitions.length) throw new InvalidConfigError(`topic "${name}" has ${t.partitions.length} partitions; the new count must be larger (partitions are never removed)`);
    // The new partitions' directories first, then the count: a crash in between leaves empty
    // directories that a retry reuses, never a count naming partitions that do not exist.
    const added: Partition[] = [];
    for (let p = t.partitions.length; p < count; p++) added.push(this.newPartition(name, p, t.config).open());
    this.writeTopicFile(name, count, t.config);
    t.partitions.push(...added);
    this.topicsVersion++;
  }

  private writeTopicFile(name: string, partitions: number, config: TopicConfig): void {
    if (!this.dataDir) return;
    writeFileAtomic(path.join(this.dataDir, name, TOPIC_FILE), JSON.stringify({ partitions, config }, null, 2));
  }

  async deleteTopic(name: string): Promise<void> {
    this.check();
    const t = this.topic(name);
    this.topics.delete(name);
    this.topicsVersion++;
    if (this.dataDir) {
      for (const p of t.partitions) p.close();
      // Rename first (atomic), then remove: a crash leaves trash, never half a topic.
      const trash = path.join(this.dataDir, TRASH);
      fs.mkdirSync(trash, { recursive: true });
      const target = path.join(trash, `${name}-${Date.now()}`);
      fs.renameSync(path.join(this.dataDir, name), target);
      syncDir(this.dataDir);
      fs.rmSync(target, { recursive: true, force: true });
    } else {
      for (const p of t.partitions) p.destroy();
    }
  }

  listTopics(): string[] {
    return [...this.topics.keys()].sort();
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  describeTopic(name: string): TopicDescription {
    const t = this.topic(name);
    return {
      name,
      config: { ...t.config },
      internal: name.startsWith('__'),
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        logStartOffset: p.logStartOffset,
        highWatermark: p.highWatermark,
        sizeBytes: p.sizeBytes,
      })),
    };
  }

  partitionCount(name: string): number {
    return this.topic(name).partitions.length;
  }

  async append(topic: string, partition: number, records: AppendRecord[], opts: { compression?: Compression } = {}): Promise<AppendResult> {
    this.check();
    const p = this.partition(topic, partition);
    if (records.length === 0) return { baseOffset: p.highWatermark, lastOffset: p.highWatermark - 1, appendTime: this.clock.now() };
    const configured = p.config['compression.type'];
    const compression = configured === 'producer' ? (opts.compression ?? 'none') : configured;
    return p.append(records, compression);
  }

  async appendRaw(topic: string, partition: number, batches: Buffer): Promise<AppendResult> {
    this.check();
    return this.partition(topic, partition).appendRaw(batches);
  }

  async read(topic: string, partition: number, offset: number, maxBytes: number): Promise<ReadResult> {
    this.check();
    const p = this.partition(topic, partition);
    return { batches: p.read(offset, maxBytes), highWatermark: p.highWatermark, logStartOffset: p.logStartOffset };
  }

  async readRecords(topic: string, partition: number, offset: number, maxBytes: number, maxRecords?: number): Promise<{ records: LogRecord[]; highWatermark: number; logStartOffset: number }> {
    this.check();
    const p = this.partition(topic, partition);
    return { records: p.readRecords(offset, maxBytes, maxRecords), highWatermark: p.highWatermark, logStartOffset: p.logStartOffset };
  }

  async listOffset(topic: string, partition: number, spec: OffsetSpec): Promise<{ offset: number; timestamp: number }> {
    this.check();
    const p = this.partition(topic, partition);
    if (spec === 'earliest') return { offset: p.logStartOffset, timestamp: -1 };
    if (spec === 'latest') return { offset: p.highWatermark, timestamp: -1 };
    return p.offsetForTimestamp(spec.timestamp);
  }

  async waitFor(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.closed) return false;
    return this.partition(topic, partition).waitFor(offset, timeoutMs, signal);
  }

  async flush(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const t of this.topics.values()) for (const p of t.partitions) all.push(p.sync());
    await Promise.all(all);
  }

  private async flushDirty(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const t of this.topics.values()) for (const p of t.partitions) if (p.dirty) all.push(p.sync());
    await Promise.all(all).catch((e) => this.logger.error('periodic flush failed', { error: String(e) }));
  }

  async runMaintenance(): Promise<void> {
    if (this.closed) return;
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        const deleted = p.applyRetention();
        const compacted = p.compact();
        if (deleted || compacted) this.logger.debug('maintenance', { topic: t.name, partition: p.partition, deletedSegments: deleted, compactedRecords: compacted });
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const t of this.topics.values()) for (const p of t.partitions) p.close();
    this.topics.clear();
    if (this.dataDir) {
      fs.rmSync(path.join(this.dataDir, LOCK_FILE), { force: true });
      openDirs.delete(this.dataDir);
    }
  }

  /** Decodes one partition's records from `offset` (tests and tools). */
  async readAll(topic: string, partition: number, offset = 0): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    const p = this.partition(topic, partition);
    let next = Math.max(offset, p.logStartOffset);
    while (next < p.highWatermark) {
      const batches = p.read(next, 1 << 20);
      if (batches.length === 0) break;
      for (const b of batches) decodeRecordBatch(b, 0, { verifyCrc: false, fromOffset: next }, out);
      next = batchEndOffset(batches[batches.length - 1]!, 0);
    }
    return out;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
