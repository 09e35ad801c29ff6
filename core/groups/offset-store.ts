/**
 * Committed offsets, kept in memory and persisted in the compacted internal topic
 * `__consumer_offsets` (key = group/topic/partition, value = offset, metadata and commit time as
 * JSON; a tombstone deletes), so they survive restarts. One partition: a single node gains nothing
 * from spreading them, and one partition keeps every commit of a group in order.
 */
import type { LogEngine } from '../log/types.js';
import type { CommittedOffset } from './types.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

interface Stored {
  offset: number;
  metadata: string | null;
}

function keyOf(group: string, topic: string, partition: number): string {
  return JSON.stringify([group, topic, partition]);
}

export class OffsetStore {
  /** group → "topic\u0000partition" → committed. */
  private readonly byGroup = new Map<string, Map<string, Stored & { topic: string; partition: number }>>();

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
    let next = (await this.engine.listOffset(OFFSETS_TOPIC, 0, 'earliest')).offset;
    for (;;) {
      const { records, highWatermark } = await this.engine.readRecords(OFFSETS_TOPIC, 0, next, 4 * 1024 * 1024);
      for (const r of records) {
        if (!r.key) continue;
        const [group, topic, partition] = JSON.parse(r.key.toString()) as [string, string, number];
        if (r.value === null) this.groupMap(group).delete(`${topic}\u0000${partition}`);
        else this.set(group, topic, partition, JSON.parse(r.value.toString()) as Stored);
        next = r.offset + 1;
      }
      if (records.length === 0 || next >= highWatermark) break;
    }
  }

  private groupMap(group: string): Map<string, Stored & { topic: string; partition: number }> {
    let m = this.byGroup.get(group);
    if (!m) {
      m = new Map();
      this.byGroup.set(group, m);
    }
    return m;
  }

  private set(group: string, topic: string, partition: number, s: Stored): void {
    this.groupMap(group).set(`${topic}\u0000${partition}`, { topic, partition, offset: s.offset, metadata: s.metadata ?? null });
  }

  /** Persists the offsets (durable per the log's flush policy), then makes them visible. */
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
    );
    for (const o of offsets) this.set(group, o.topic, o.partition, { offset: o.offset, metadata: o.metadata ?? null });
  }

  /** Removes every committed offset of the group (tombstones in the compacted topic). */
  async deleteGroup(group: string): Promise<void> {
    const m = this.byGroup.get(group);
    if (!m || m.size === 0) return;
    const now = this.engine.clock.now();
    await this.engine.append(OFFSETS_TOPIC, 0, [...m.values()].map((s) => ({ key: keyOf(group, s.topic, s.partition), value: null, timestamp: now })));
    this.byGroup.delete(group);
  }

  fetch(group: string, partitions?: Array<{ topic: string; partition: number }>): CommittedOffset[] {
    const m = this.byGroup.get(group);
    if (!partitions) return m ? [...m.values()].map((s) => ({ topic: s.topic, partition: s.partition, offset: s.offset, metadata: s.metadata })) : [];
    return partitions.map(({ topic, partition }) => {
      const s = m?.get(`${topic}\u0000${partition}`);
      return { topic, partition, offset: s ? s.offset : -1, metadata: s ? s.metadata : null };
    });
  }

  hasGroup(group: string): boolean {
    return (this.byGroup.get(group)?.size ?? 0) > 0;
  }

  groups(): string[] {
    return [...this.byGroup.keys()].filter((g) => this.hasGroup(g));
  }
}
