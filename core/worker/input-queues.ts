/**
 * Per-partition record queues of a multi-input task (Kafka Streams' PartitionGroup): records are
 * taken in timestamp order across the task's inputs, and only while every input either has
 * buffered records or has been read to its end — so one input running ahead in a fetch cannot push
 * stream time past records of the other that simply have not been fetched yet (which would make
 * them late, and a join would miss them). Offsets are committed only up to what was taken.
 */
import type { FetchedBatch, TopicPartition, TopicPartitionOffset } from '../client/types.js';
import type { InputRecord } from './contracts.js';

interface Queue {
  records: InputRecord[];
  head: number;
  /** Offset after the last record fetched, and the partition's end when it was fetched. */
  fetchedEnd: number;
  highWatermark: number;
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class InputQueues {
  private readonly queues = new Map<string, Queue>();

  add(b: FetchedBatch): void {
    const k = keyOf(b.topic, b.partition);
    let q = this.queues.get(k);
    if (!q) this.queues.set(k, (q = { records: [], head: 0, fetchedEnd: 0, highWatermark: 0 }));
    // Drop what was taken, so a queue that is never fully drained does not grow forever.
    if (q.head > 0) {
      q.records = q.head === q.records.length ? [] : q.records.slice(q.head);
      q.head = 0;
    }
    for (const r of b.records) q.records.push(r as InputRecord);
    q.fetchedEnd = b.records[b.records.length - 1]!.offset + 1;
    q.highWatermark = b.highWatermark;
  }

  /**
   * Marks a partition with nothing to fetch (its position is at `end`): until records arrive, it
   * does not hold back the task's other inputs. A partition never fetched and not marked does.
   */
  caughtUp(tp: TopicPartition, end: number): void {
    const k = keyOf(tp.topic, tp.partition);
    if (!this.queues.has(k)) this.queues.set(k, { records: [], head: 0, fetchedEnd: end, highWatermark: end });
  }

  /** Records buffered and not yet taken for a topic-partition. */
  buffered(tp: TopicPartition): number {
    const q = this.queues.get(keyOf(tp.topic, tp.partition));
    return q ? q.records.length - q.head : 0;
  }

  /**
   * Takes up to `max` records of task `partition` in timestamp order, with the offsets to commit.
   * `topics` are the task's inputs that have a partition `partition` (inputs may differ in
   * partition count; a topic without it is no input of this task).
   * `force` processes what is buffered even while an input may have more to fetch (after the task
   * has waited `maxTaskIdleMs`, as Kafka Streams' max.task.idle.ms; also for an input never seen).
   */
  take(partition: number, topics: string[], max: number, force = false): { records: InputRecord[]; offsets: TopicPartitionOffset[]; blocked: boolean } {
    const qs = topics.map((t) => ({ topic: t, q: this.queues.get(keyOf(t, partition)) }));
    const records: InputRecord[] = [];
    const last = new Map<string, number>();
    let waiting = false;
    while (records.length < max) {
      let best: (typeof qs)[number] | undefined;
      let blocked = false;
      for (const e of qs) {
        const q = e.q;
        if (!q || q.head >= q.records.length) {
          // Nothing buffered: fine only if everything that exists was fetched.
          if (!q || q.fetchedEnd < q.highWatermark) blocked = true;
          continue;
        }
        if (!best || q.records[q.head]!.timestamp < best.q!.records[best.q!.head]!.timestamp) best = e;
      }
      if (!best) break;
      if (blocked && !force) {
        waiting = true;
        break;
      }
      const r = best.q!.records[best.q!.head++]!;
      records.push(r);
      last.set(best.topic, r.offset);
    }
    const offsets = [...last].map(([topic, offset]) => ({ topic, partition, offset: offset + 1 }));
    return { records, offsets, blocked: waiting };
  }

  /** Whether any record is waiting to be taken. */
  hasBuffered(): boolean {
    for (const q of this.queues.values()) if (q.head < q.records.length) return true;
    return false;
  }

  clear(): void {
    this.queues.clear();
  }
}
