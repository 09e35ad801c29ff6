/**
 * Committed offsets, kept in memory and persisted in the compacted internal topic
 * `__consumer_offsets` (key = group/topic/partition, value = offset, metadata and commit time as
 * JSON; a tombstone deletes), so they survive restarts. One partition: a single node gains nothing
 * from spreading them, and one partition keeps every commit of a group in order.
 *
 * Only this store writes the topic (core/log/internal-topics.ts refuses everyone else), and it
 * reads it back trusting nothing: a record it cannot read (null key, not JSON, wrong shape) is
 * skipped and reported, so no record can stop a log from opening.
 *
 * Offsets expire as Kafka's do (offsets.retention.minutes, KIP-211): the coordinator calls
 * expire() for groups without members, which drops offsets committed longer ago than the
 * retention and writes their tombstones, so neither memory nor the topic grows with groups that
 * are gone.
 */
import { SYSTEM_WRITER } from '../log/internal-topics.js';
import { SkippedRecords } from '../log/skipped-records.js';
import type { LogEngine, LogRecord } from '../log/types.js';
import type { CommittedOffset } from './types.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

interface Stored {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
  /** When it was committed (the log's clock): expiry counts from here. */
  committedAt: number;
}

function keyOf(group: string, topic: string, partition: number): string {
  return JSON.stringify([group, topic, partition]);
}

/** A decoded record of the topic, or the reason it cannot be read. */
function parse(r: LogRecord): { group: string; topic: string; partition: number; value: { offset: number; metadata: string | null; commitTimestamp: number } | null } | string {
  if (!r.key) return 'null key';
  let key: unknown;
  try {
    key = JSON.parse(r.key.toString('utf8'));
  } catch {
    return 'key is not JSON';
  }
  if (!Array.isArray(key) || key.length !== 3 || typeof key[0] !== 'string' || typeof key[1] !== 'string' || !Number.isInteger(key[2]) || key[2] < 0) {
    return 'key is not [group, topic, partition]';
  }
  const [group, topic, partition] = key as [string, string, number];
  if (r.value === null) return { group, topic, partition, value: null };
  let v: unknown;
  try {
    v = JSON.parse(r.value.toString('utf8'));
  } catch {
    return 'value is not JSON';
  }
  const o = v as { offset?: unknown; metadata?: unknown; commitTimestamp?: unknown };
  if (typeof o !== 'object' || o === null || !Number.isSafeInteger(o.offset) || (o.metadata !== null && o.metadata !== undefined && typeof o.metadata !== 'string')) {
    return 'value is not { offset, metadata }';
  }
  const commitTimestamp = typeof o.commitTimestamp === 'number' && Number.isFinite(o.commitTimestamp) ? o.commitTimestamp : r.timestamp;
  return { group, topic, partition, value: { offset: o.offset as number, metadata: (o.metadata as string | null | undefined) ?? null, commitTimestamp } };
}

export class OffsetStore {
  /** group → "topic\u0000partition" → committed. */
  private readonly byGroup = new Map<string, Map<string, Stored>>();

  private constructor(private readonly engine: LogEngine) {}

  static async open(engine: LogEngine): Promise<OffsetStore> {
    const store = new OffsetStore(engine);
    if (!engine.hasTopic(OFFSETS_TOPIC)) {
      await engine.createTopic(OFFSETS_TOPIC, {
        partitions: 1,
        config: { 'cleanup.policy': 'compact', 'segment.bytes': 16 * 1024 * 1024, 'retention.ms': -1 },
      });
    } else {
      await store.load();
    }
    return store;
  }

  private async load(): Promise<void> {
    const skipped = new SkippedRecords(OFFSETS_TOPIC);
    let next = (await this.engine.listOffset(OFFSETS_TOPIC, 0, 'earliest')).offset;
    for (;;) {
      const res = await this.engine.readRecords(OFFSETS_TOPIC, 0, next, 4 * 1024 * 1024);
      for (const r of res.records) {
        const rec = parse(r);
        if (typeof rec === 'string') skipped.add(r.offset, rec);
        else if (rec.value === null) this.groupMap(rec.group).delete(`${rec.topic}\u0000${rec.partition}`);
        else this.set(rec.group, rec.topic, rec.partition, rec.value.offset, rec.value.metadata, rec.value.commitTimestamp);
      }
      // Past every record looked at, readable or not: a bad record can never hold the read in place.
      if (res.next <= next || res.next >= res.highWatermark) break;
      next = res.next;
    }
    for (const [g, m] of this.byGroup) if (m.size === 0) this.byGroup.delete(g);
    skipped.report(this.engine.logger);
  }

  private groupMap(group: string): Map<string, Stored> {
    let m = this.byGroup.get(group);
    if (!m) {
      m = new Map();
      this.byGroup.set(group, m);
    }
    return m;
  }

  private set(group: string, topic: string, partition: number, offset: number, metadata: string | null, committedAt: number): void {
    this.groupMap(group).set(`${topic}\u0000${partition}`, { topic, partition, offset, metadata, committedAt });
  }

  /** Persists the offsets (durable per the log's flush policy), then makes them visible. Throws what the log throws (LogStorageError on a full disk). */
  async commit(group: string, offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }>): Promise<void> {
    if (offsets.length === 0) return;
    const now = this.engine.clock.now();
    await this.engine.append(
      OFFSETS_TOPIC,
      0,
      offsets.map((o) => ({
        key: keyOf(group, o.topic, o.partition),
        value: JSON.stringify({ offset: o.offset, metadata: o.metadata ?? null, commitTimestamp: now }),
        timestamp: now,
      })),
      { writer: SYSTEM_WRITER },
    );
    for (const o of offsets) this.set(group, o.topic, o.partition, o.offset, o.metadata ?? null, now);
  }

  fetch(group: string, partitions?: Array<{ topic: string; partition: number }>): CommittedOffset[] {
    const m = this.byGroup.get(group);
    if (!partitions) return m ? [...m.values()].map((s) => ({ topic: s.topic, partition: s.partition, offset: s.offset, metadata: s.metadata })) : [];
    return partitions.map(({ topic, partition }) => {
      const s = m?.get(`${topic}\u0000${partition}`);
      return { topic, partition, offset: s ? s.offset : -1, metadata: s ? s.metadata : null };
    });
  }

  /** Deletes committed offsets (tombstones in the offsets topic). */
  async delete(group: string, partitions: Array<{ topic: string; partition: number }>): Promise<void> {
    const m = this.byGroup.get(group);
    const present = partitions.filter((p) => m?.has(`${p.topic}\u0000${p.partition}`));
    if (present.length === 0) return;
    const now = this.engine.clock.now();
    await this.engine.append(OFFSETS_TOPIC, 0, present.map((p) => ({ key: keyOf(group, p.topic, p.partition), value: null, timestamp: now })), { writer: SYSTEM_WRITER });
    for (const p of present) m!.delete(`${p.topic}\u0000${p.partition}`);
    if (m!.size === 0) this.byGroup.delete(group);
  }

  /** Deletes every committed offset of a group. */
  async deleteGroup(group: string): Promise<void> {
    const m = this.byGroup.get(group);
    if (m) await this.delete(group, [...m.values()]);
  }

  hasGroup(group: string): boolean {
    return (this.byGroup.get(group)?.size ?? 0) > 0;
  }

  groups(): string[] {
    return [...this.byGroup.keys()].filter((g) => this.hasGroup(g));
  }

  /**
   * Drops the offsets of `groups` (groups without members) committed before `before`, writing
   * their tombstones. Returns how many went.
   */
  async expire(groups: Iterable<string>, before: number): Promise<number> {
    const tombstones: Array<{ key: string; value: null; timestamp: number }> = [];
    const gone: Array<[Map<string, Stored>, string, string]> = [];
    const now = this.engine.clock.now();
    for (const g of groups) {
      const m = this.byGroup.get(g);
      if (!m) continue;
      for (const [k, s] of m) {
        if (s.committedAt >= before) continue;
        tombstones.push({ key: keyOf(g, s.topic, s.partition), value: null, timestamp: now });
        gone.push([m, k, g]);
      }
    }
    if (tombstones.length === 0) return 0;
    await this.engine.append(OFFSETS_TOPIC, 0, tombstones, { writer: SYSTEM_WRITER });
    for (const [m, k, g] of gone) {
      m.delete(k);
      if (m.size === 0) this.byGroup.delete(g);
    }
    return tombstones.length;
  }
}
