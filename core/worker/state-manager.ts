/**
 * The state manager of a task (Kafka Streams' ProcessorStateManager and StoreChangelogReader):
 * operators register their stores when the task is built, and before the task's first batch every
 * store is rebuilt from its task's partition of its compacted changelog, read with a group-less
 * reader (LogClient.reader: the partition is assigned, no consumer group is joined).
 *
 * Restore progress, as Kafka's StateRestoreListener reports it: per store and partition the
 * records restored and remaining (metrics `sluice_restore_records_total` and
 * `sluice_restore_remaining_records`), a log line when a restore starts, one every few seconds
 * with the percentage done and an ETA, and one when it ends with the rate.
 *
 * The worker knows nothing of what a store holds: a store is a name, a changelog topic and
 * callbacks that take the changelog's records in offset order.
 */
import type { FetchedCursor, LogClient, PartitionReader } from '../client/types.js';
import type { RecordCursor } from '../log/record-cursor.js';
import type { Logger } from '../log/types.js';
import type { Metrics } from './contracts.js';

/** A store as the state manager sees it (Kafka's StateRestoreCallback, with its begin and end). */
export interface RestorableStore {
  readonly name: string;
  /** Its compacted changelog topic; undefined when the store logs nothing (nothing to restore). */
  readonly changelog: string | undefined;
  /** Before the first record: drop what the backend holds of this task (a Redis copy may be stale). */
  beginRestore?(): Promise<void> | void;
  /**
   * A run of the changelog's records, in offset order (a null value deletes the key), as a cursor:
   * no object per record, key and value are byte ranges valid until the cursor moves on (a store
   * copies or views what it keeps). The store goes through the whole run.
   */
  restoreBatch(records: RecordCursor): Promise<void> | void;
  /** After the last record (the store is ready for the task's first batch). */
  endRestore?(): Promise<void> | void;
  /** Reads for interactive queries (the management API's /api/stores); absent: the store is not queryable. */
  readonly query?: QueryableStore;
}

export type StoreKind = 'key-value' | 'window' | 'session';

/** One entry as a query answers it: a windowed store's entries carry their window. */
export interface StoreQueryEntry {
  key: unknown;
  value: unknown;
  window?: { start: number; end: number };
}

/**
 * A store's read side, free of what it holds (Kafka Streams' interactive queries): keys arrive as
 * text, written the way the DSL writes keys (JSON for the default serde), and are parsed with the
 * store's key serde; ranges are in the order of the serialized keys, as in Kafka's byte stores.
 */
export interface QueryableStore {
  readonly kind: StoreKind;
  /** A key's entries (one for a key-value store, one per window or session); throws StoreKeyError if the text does not parse. */
  get(keyText: string): Promise<StoreQueryEntry[]>;
  /** Entries whose key is within [from, to] (either end open when undefined), at most `limit`. */
  range(from: string | undefined, to: string | undefined, limit: number): Promise<StoreQueryEntry[]>;
}

export interface StateManagerDeps {
  client: LogClient;
  taskId: string;
  partition: number;
  logger: Logger;
  metrics: Metrics;
  /** How often a long restore logs its progress (default 5 s). */
  progressIntervalMs?: number;
}

/** Bytes per partition read per poll (4 MiB measured no faster: each read is overlapped with restoring the one before, and smaller reads hold less memory). */
const RESTORE_READ_BYTES = 1 << 20;
/** Empty reads in a row below the end offset before a restore ends there (the end was control records or compacted away). */
const MAX_IDLE_READS = 4;

export class StateManager {
  private readonly stores: RestorableStore[] = [];
  private restoring?: Promise<void>;

  constructor(private readonly deps: StateManagerDeps) {}

  register(store: RestorableStore): void {
    if (this.stores.some((s) => s.name === store.name)) throw new Error(`two stores named "${store.name}" in task ${this.deps.taskId}: give each stateful operator its own name`);
    this.stores.push(store);
    // A store opened after the task restored (an operator that opens one lazily) is restored on its own, after the others.
    if (this.restoring) this.restoring = this.restoring.then(() => this.withReader((reader) => this.restoreOne(reader, store)));
  }

  get registered(): readonly RestorableStore[] {
    return this.stores;
  }

  /** Restores every registered store (once; later calls return the same promise). */
  restoreAll(): Promise<void> {
    this.restoring ??= this.run();
    return this.restoring;
  }

  private async run(): Promise<void> {
    if (this.stores.length === 0) return;
    const stores = [...this.stores];
    await this.withReader(async (reader) => {
      for (const store of stores) await this.restoreOne(reader, store);
    });
  }

  private async withReader(fn: (reader: PartitionReader) => Promise<void>): Promise<void> {
    const reader = this.deps.client.reader({ clientId: `${this.deps.taskId}-restore` });
    try {
      await fn(reader);
    } finally {
      await reader.close();
    }
  }

  private async endOffsets(topic: string): Promise<{ start: number; end: number } | null> {
    const admin = this.deps.client.admin();
    const p = this.deps.partition;
    let latest, earliest;
    try {
      [latest, earliest] = await Promise.all([admin.listOffsets(topic, 'latest'), admin.listOffsets(topic, 'earliest')]);
    } catch (err) {
      if ((err as { code?: string }).code === 'UNKNOWN_TOPIC') return null;
      throw err;
    }
    const end = latest.find((o) => o.partition === p)?.offset;
    if (end === undefined) return null;
    return { start: earliest.find((o) => o.partition === p)?.offset ?? 0, end };
  }

  private async restoreOne(reader: PartitionReader, store: RestorableStore): Promise<void> {
    const { logger, metrics, partition, taskId } = this.deps;
    await store.beginRestore?.();
    const topic = store.changelog;
    const range = topic === undefined ? null : await this.endOffsets(topic);
    if (topic === undefined || range === null || range.end <= range.start) {
      await store.endRestore?.();
      return;
    }
    const labels = { store: store.name, partition: String(partition) };
    const restored = metrics.counter('sluice_restore_records_total', 'changelog records restored into state stores', labels);
    const remaining = metrics.gauge('sluice_restore_remaining_records', 'changelog records left to restore before the task processes its first batch', labels);
    const total = range.end - range.start;
    remaining.set(total);
    const started = performance.now();
    let lastLog = started;
    const every = this.deps.progressIntervalMs ?? 5000;
    logger.info('restoring state store', { task: taskId, store: store.name, changelog: topic, partition, from: range.start, to: range.end, records: total });
    reader.assign([{ topic, partition, offset: range.start }]);
    const read = (waitMs: number) => reader.pollCursors({ maxBytesPerPartition: RESTORE_READ_BYTES, maxWaitMs: waitMs });
    let count = 0;
    let idle = 0;
    let position = range.start;
    let pending: Promise<FetchedCursor[]> | undefined = read(0);
    while (pending) {
      const fetched = await pending;
      const before = position;
      position = reader.position({ topic, partition }) ?? range.end;
      if (fetched.length === 0 && position === before) {
        if (++idle >= MAX_IDLE_READS) {
          logger.warn('changelog restore stopped before the end offset: nothing more to read', { task: taskId, store: store.name, changelog: topic, partition, position, end: range.end });
          break;
        }
      } else idle = 0;
      // The next read is under way while this one is restored: the disk and the CPU work at once.
      pending = position < range.end ? read(idle > 0 ? 200 : 0) : undefined;
      pending?.catch(() => {}); // a failure is thrown where it is awaited; none unhandled if a restoreBatch throws first
      let n = 0;
      for (const f of fetched) {
        // Records past the end offset belong to batches written after the restore began: not ours to apply.
        f.records.stopAt(range.end);
        await store.restoreBatch(f.records);
        while (f.records.next()); // what a store left unread still counts as read
        n += f.records.count;
      }
      if (n === 0) continue;
      count += n;
      restored.inc(n);
      const done = Math.min(total, position - range.start);
      remaining.set(total - done);
      const now = performance.now();
      if (now - lastLog >= every && done < total) {
        lastLog = now;
        const rate = done / ((now - started) / 1000);
        const percent = Math.floor((done / total) * 100);
        const eta = rate > 0 ? Math.ceil((total - done) / rate) : null;
        logger.info(`restoring state store ${store.name}: ${percent}% (${done} of ${total} records), ETA ${eta === null ? '?' : `${eta} s`}`, { task: taskId, store: store.name, percent, restored: count, remaining: total - done, etaSeconds: eta });
      }
    }
    remaining.set(0);
    await store.endRestore?.();
    const seconds = (performance.now() - started) / 1000;
    logger.info('restored state store', { task: taskId, store: store.name, records: count, seconds: Number(seconds.toFixed(3)), recordsPerSecond: seconds > 0 ? Math.round(count / seconds) : null });
  }
}
