/**
 * The embedded log: topics of partitions in a data directory (or in memory), implementing the
 * LogEngine contract of ./types.ts.
 *
 * Layout: <dataDir>/<topic>/topic.json (partition count + config) and <dataDir>/<topic>/<p>/
 * with the partition's segments. An OS-held lock (./dir-lock.ts) keeps a second process (or a
 * second engine in this one) from writing the same directory.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ClosedError, CorruptLogError, InvalidConfigError, InvalidPartitionsError, TopicExistsError, UnknownPartitionError, UnknownTopicError } from '../errors.js';
import { lockDataDir, type DataDirLock } from './dir-lock.js';
import { InternalTopics, type TopicWriter } from './internal-topics.js';
import { Partition, syncDir, writeFileAtomic } from './partition.js';
import { OpenFiles } from './segment-file.js';
import { parseTopicConfig, validatePartitionCount, validateTopicName } from './topic-config.js';
import { batchEndOffset, decodeRecordBatch } from './record-batch.js';
import {
  systemClock,
  type AppendOptions,
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
  type ReadRecordsOptions,
  type ReadRecordsResult,
  type ReadResult,
  type TopicConfig,
  type TopicDescription,
} from './types.js';

const TOPIC_FILE = 'topic.json';
const TRASH = '~trash';
/** Where a topic is assembled before it appears under its name (a failed creation leaves nothing behind). */
const STAGING = '~creating';

/**
 * Default cap on open segment descriptors: 512, or a quarter of the process's descriptor limit
 * when that is lower (sockets, the broker's connections and the rest of the process need theirs).
 */
export function defaultMaxOpenFiles(): number {
  let soft = Infinity;
  try {
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const v = Number(line?.split(/\s{2,}/)[1]);
    if (Number.isFinite(v) && v > 0) soft = v;
  } catch {
    // not Linux: the fixed default
  }
  return Math.max(8, Math.min(512, Math.floor(soft / 4)));
}
/** Default cap on partitions over all topics of one log. */
export const DEFAULT_MAX_PARTITIONS = 20_000;

interface Topic {
  name: string;
  id: string;
  config: TopicConfig;
  /** The keys set on this topic, as given (the rest of config are defaults). */
  overrides: Record<string, string>;
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
  try {
    await engine.load();
  } catch (err) {
    await engine.close();
    throw err;
  }
  return engine;
}

export class EmbeddedLog implements LogEngine {
  readonly dataDir: string | null;
  readonly clock: Clock;
  readonly logger: Logger;
  topicsVersion = 0;
  private readonly flushPolicy: FlushPolicy;
  private readonly defaults: Partial<TopicConfig>;
  private readonly topics = new Map<string, Topic>();
  private readonly internal = new InternalTopics();
  private readonly files: OpenFiles;
  private readonly maxPartitions: number;
  private readonly repair: boolean;
  private lockHandle: DataDirLock | null = null;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(opts: OpenLogOptions) {
    this.dataDir = opts.memory || !opts.dataDir ? null : path.resolve(opts.dataDir);
    this.clock = opts.clock ?? systemClock;
    this.flushPolicy = opts.flush ?? 'always';
    this.logger = opts.logger ?? stderrLogger;
    this.defaults = opts.topicDefaults ?? {};
    this.repair = opts.repair ?? false;
    const maxOpen = opts.maxOpenFiles ?? defaultMaxOpenFiles();
    if (!Number.isInteger(maxOpen) || maxOpen < 8) throw new InvalidConfigError(`maxOpenFiles must be an integer of at least 8, got ${maxOpen}`);
    this.files = new OpenFiles(maxOpen);
    this.maxPartitions = opts.maxPartitions ?? DEFAULT_MAX_PARTITIONS;
    if (!Number.isInteger(this.maxPartitions) || this.maxPartitions < 1) throw new InvalidConfigError(`maxPartitions must be a positive integer, got ${this.maxPartitions}`);
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
  async load(): Promise<void> {
    const dir = this.dataDir;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    this.lockHandle = await lockDataDir(dir);
    fs.rmSync(path.join(dir, TRASH), { recursive: true, force: true });
    fs.rmSync(path.join(dir, STAGING), { recursive: true, force: true });
    for (const name of fs.readdirSync(dir)) {
      const meta = path.join(dir, name, TOPIC_FILE);
      if (!fs.existsSync(meta)) continue;
      const saved = readTopicFile(meta);
      const { partitions, config } = saved;
      const cfg = parseTopicConfig(config);
      // Topics written before topic ids and overrides were kept get them now: the id is new, the
      // overrides are the values that differ from the defaults.
      const overrides = saved.overrides ?? differingFromDefaults(cfg, this.defaults);
      const topic: Topic = { name, id: saved.topicId ?? newTopicId(), config: cfg, overrides, partitions: [] };
      if (!saved.topicId || !saved.overrides) this.saveTopic(topic, partitions);
      for (let p = 0; p < partitions; p++) topic.partitions.push(this.newPartition(name, p, cfg).open(this.repair));
      this.topics.set(name, topic);
    }
  }

  private newPartition(topic: string, p: number, config: TopicConfig): Partition {
    const dir = this.dataDir ? path.join(this.dataDir, topic, String(p)) : null;
    return new Partition(topic, p, dir, config, this.flushPolicy, this.clock, this.logger, this.files);
  }

  /** Open segment descriptors right now (bounded by maxOpenFiles while none is in use). */
  get openFiles(): number {
    return this.files.count;
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

  private partitionTotal(): number {
    let n = 0;
    for (const t of this.topics.values()) n += t.partitions.length;
    return n;
  }

  /**
   * Creates the topic. On disk it is assembled under ~creating/ (partition directories, then
   * topic.json) and renamed into place: a creation that fails half-way (no space, too many
   * files) leaves nothing behind, and a restart never finds half a topic.
   */
  async createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<TopicDescription> {
    this.check();
    validateTopicName(name);
    const count = validatePartitionCount(opts.partitions);
    const overrides = stringValues(opts.config ?? {});
    const config = parseTopicConfig(overrides, this.defaults);
    if (this.topics.has(name)) throw new TopicExistsError(name);
    const topic: Topic = { name, id: newTopicId(), config, overrides, partitions: [] };
    const total = this.partitionTotal();
    if (total + count > this.maxPartitions) {
      throw new InvalidPartitionsError(`creating "${name}" with ${count} partitions would make ${total + count} partitions in this log; the limit is ${this.maxPartitions} (maxPartitions / --max-partitions)`);
    }
    if (this.dataDir) {
      const staging = path.join(this.dataDir, STAGING, `${process.pid}-${this.topicsVersion}-${Date.now()}`);
      try {
        for (let p = 0; p < count; p++) fs.mkdirSync(path.join(staging, String(p)), { recursive: true });
        writeFileAtomic(path.join(staging, TOPIC_FILE), JSON.stringify({ partitions: count, config, overrides, topicId: topic.id } satisfies SavedTopic, null, 2));
        fs.renameSync(staging, path.join(this.dataDir, name));
        syncDir(this.dataDir);
      } catch (err) {
        fs.rmSync(staging, { recursive: true, force: true });
        throw err;
      }
    }
    try {
      for (let p = 0; p < count; p++) topic.partitions.push(this.newPartition(name, p, config).open());
    } catch (err) {
      for (const p of topic.partitions) p.discard();
      if (this.dataDir) this.removeTopicDir(name);
      throw err;
    }
    this.topics.set(name, topic);
    this.topicsVersion++;
    return this.describeTopic(name);
  }

  /**
   * Deletes a topic and its data. Internal topics are refused (InternalTopicError). The directory
   * is renamed away first (atomic: a crash leaves trash, never half a topic), and only then is the
   * topic forgotten, so a failure leaves it whole.
   */
  async deleteTopic(name: string): Promise<void> {
    this.check();
    const t = this.topic(name);
    this.internal.checkDelete(name);
    if (this.dataDir) this.removeTopicDir(name);
    this.topics.delete(name);
    this.topicsVersion++;
    for (const p of t.partitions) {
      if (this.dataDir) p.discard();
      else p.destroy();
    }
  }

  /** Writes topic.json (partition count, effective config, overrides, id) atomically. */
  private saveTopic(t: Topic, partitions: number): void {
    if (!this.dataDir) return;
    const saved: SavedTopic = { partitions, config: t.config, overrides: t.overrides, topicId: t.id };
    writeFileAtomic(path.join(this.dataDir, t.name, TOPIC_FILE), JSON.stringify(saved, null, 2));
  }

  async createPartitions(name: string, count: number): Promise<TopicDescription> {
    this.check();
    const t = this.topic(name);
    const target = validatePartitionCount(count);
    if (target <= t.partitions.length) {
      throw new InvalidConfigError(`topic "${name}" has ${t.partitions.length} partitions; the count can only grow (asked for ${target})`);
    }
    this.saveTopic(t, target);
    for (let p = t.partitions.length; p < target; p++) t.partitions.push(this.newPartition(name, p, t.config).open());
    this.topicsVersion++;
    return this.describeTopic(name);
  }

  async alterTopicConfig(name: string, overrides: Record<string, string | number>): Promise<TopicDescription> {
    this.check();
    const t = this.topic(name);
    const given = stringValues(overrides);
    const config = parseTopicConfig(given, this.defaults);
    t.config = config;
    t.overrides = given;
    this.saveTopic(t, t.partitions.length);
    for (const p of t.partitions) p.config = config;
    this.topicsVersion++;
    return this.describeTopic(name);
  }

  async deleteRecords(topic: string, partition: number, offset: number): Promise<number> {
    this.check();
    return this.partition(topic, partition).deleteRecordsBefore(offset === -1 ? this.partition(topic, partition).highWatermark : offset);
  }

  /** Moves <dataDir>/<name> to the trash (a short name: the topic's may be 249 characters) and removes it. */
  private removeTopicDir(name: string): void {
    const dataDir = this.dataDir!;
    const trash = path.join(dataDir, TRASH);
    fs.mkdirSync(trash, { recursive: true });
    const target = path.join(trash, `${Date.now()}-${Math.random().toString(36).slice(2, 10)}`);
    fs.renameSync(path.join(dataDir, name), target);
    syncDir(dataDir);
    fs.rmSync(target, { recursive: true, force: true });
  }

  /** Marks `topics` internal to the running app `owner` until the release is called (see internal-topics.ts). */
  claimInternalTopics(owner: string, topics: string[]): () => void {
    const release = this.internal.claim(owner, topics);
    // Describe results change (internal: true): cached topic lists (task threads) refresh.
    this.topicsVersion++;
    return () => {
      release();
      this.topicsVersion++;
    };
  }

  isInternalTopic(name: string): boolean {
    return this.internal.isInternal(name);
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
      topicId: t.id,
      config: { ...t.config },
      overrides: Object.keys(t.overrides),
      internal: this.internal.isInternal(name),
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        logStartOffset: p.logStartOffset,
        highWatermark: p.highWatermark,
        sizeBytes: p.sizeBytes,
      })),
    };
  }

  topicById(id: string): string | undefined {
    for (const t of this.topics.values()) if (t.id === id) return t.name;
    return undefined;
  }

  partitionCount(name: string): number {
    return this.topic(name).partitions.length;
  }

  async append(topic: string, partition: number, records: AppendRecord[], opts: AppendOptions & { compression?: Compression } = {}): Promise<AppendResult> {
    this.check();
    const p = this.partition(topic, partition);
    this.internal.checkAppend(topic, opts.writer);
    if (records.length === 0) return { baseOffset: p.highWatermark, lastOffset: p.highWatermark - 1, appendTime: this.clock.now() };
    const configured = p.config['compression.type'];
    const compression = configured === 'producer' ? (opts.compression ?? 'none') : configured;
    return p.append(records, compression);
  }

  async appendRaw(topic: string, partition: number, batches: Buffer, opts: AppendOptions = {}): Promise<AppendResult> {
    this.check();
    const p = this.partition(topic, partition);
    this.internal.checkAppend(topic, opts.writer);
    return p.appendRaw(batches);
  }

  /** Reads off the disk asynchronously: a large Fetch does not hold up the event loop. */
  async read(topic: string, partition: number, offset: number, maxBytes: number): Promise<ReadResult> {
    this.check();
    const p = this.partition(topic, partition);
    const batches = await p.readAsync(offset, maxBytes);
    return { batches, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset };
  }

  async readRecords(topic: string, partition: number, offset: number, maxBytes: number, maxRecords?: number, opts: ReadRecordsOptions = {}): Promise<ReadRecordsResult> {
    this.check();
    const p = this.partition(topic, partition);
    const { records, next } = p.readRecords(offset, maxBytes, maxRecords, opts);
    return { records, next, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset };
  }

  async listOffset(topic: string, partition: number, spec: OffsetSpec): Promise<{ offset: number; timestamp: number }> {
    this.check();
    const p = this.partition(topic, partition);
    if (spec === 'earliest') return { offset: p.logStartOffset, timestamp: -1 };
    if (spec === 'latest') return { offset: p.highWatermark, timestamp: -1 };
    if (spec === 'max-timestamp') return p.maxTimestamp < 0 ? { offset: -1, timestamp: -1 } : p.offsetForTimestamp(p.maxTimestamp);
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
    try {
      for (const t of this.topics.values()) for (const p of t.partitions) p.close();
    } finally {
      this.topics.clear();
      await this.lockHandle?.release();
      this.lockHandle = null;
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

interface SavedTopic {
  partitions: number;
  config: TopicConfig;
  overrides?: Record<string, string>;
  topicId?: string;
}

function stringValues(config: Record<string, string | number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

/** The keys of a config whose values differ from the defaults (topics saved before overrides were kept). */
function differingFromDefaults(config: TopicConfig, defaults: Partial<TopicConfig>): Record<string, string> {
  const base = parseTopicConfig({}, defaults) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (String(v) !== String(base[k])) out[k] = String(v);
  return out;
}

/** A random (version 4) UUID as 32 hex digits, never all zeros (Kafka's "no id"). */
function newTopicId(): string {
  return randomUUID().replace(/-/g, '');
}

/** A topic's topic.json, or a CorruptLogError naming the file when it cannot be read. */
function readTopicFile(file: string): SavedTopic {
  let meta: unknown;
  try {
    meta = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CorruptLogError(`${file} cannot be read (${(err as Error).message}): restore it, or move that topic's directory out of the data directory`);
  }
  const m = meta as { partitions?: unknown; config?: unknown };
  if (typeof m !== 'object' || m === null || !Number.isInteger(m.partitions) || (m.partitions as number) < 1 || typeof m.config !== 'object' || m.config === null) {
    throw new CorruptLogError(`${file} does not describe a topic ({ partitions, config }): restore it, or move that topic's directory out of the data directory`);
  }
  return m as SavedTopic;
}
