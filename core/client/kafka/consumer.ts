/**
 * The pull-based LogConsumer over kafkajs's push-based consumer (`run({ eachBatch })`).
 *
 * Hand-off: each eachBatch call parks its batch in a queue and waits. poll() takes the queued
 * batches, and the *next* poll() (or close) releases them: only then is each batch's last offset
 * resolved in kafkajs and its eachBatch allowed to return. kafkajs fetches again only after every
 * batch of a fetch returned, so at most one fetch is in flight beyond what the worker holds, and a
 * rebalance (which kafkajs runs between fetches) never happens while the worker is in the middle
 * of a batch it was handed.
 *
 * A batch that is not delivered (its partition was paused, sought, or revoked) is released without
 * resolving its offset, so kafkajs fetches those records again from the same position.
 *
 * Rebalance listeners run inside poll(): kafkajs reports a new assignment with GROUP_JOIN after it
 * rejoined, and the next poll calls onRevoked(previous assignment) then onAssigned(new one) — the
 * eager protocol's order — before returning records of the new assignment. Records handed out
 * earlier were processed and committed by then (the worker commits before it polls again).
 */
import type { Consumer, EachBatchPayload, Kafka, Admin } from 'kafkajs';
import { CommitFailedError } from '../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import type { LogRecord } from '../../log/types.js';
import type { ConsumerOptions, FetchedBatch, LogConsumer, PollOptions, TopicPartition, TopicPartitionOffset } from '../types.js';
import { sluiceAssigner } from './assigner.js';
import { kafkaCall, translateKafkaError } from './errors.js';

interface Parked {
  /** What is left of the batch to hand out. */
  batch: FetchedBatch;
  /** Last offset handed out by an earlier split of this batch (-1: none). */
  deliveredUpTo: number;
  release: (deliver: boolean) => void;
}

const tpKey = (topic: string, partition: number) => `${topic}\0${partition}`;

export class KafkaConsumerAdapter implements LogConsumer {
  private consumer?: Consumer;
  private queue: Parked[] = [];
  private delivered: Parked[] = [];
  private wake: (() => void) | null = null;
  private current: TopicPartition[] = [];
  private pendingAssignment: TopicPartition[] | null = null;
  private readonly paused = new Set<string>();
  private crashed: Error | null = null;
  private closing = false;
  private started?: Promise<void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: () => Promise<Admin>,
    private readonly opts: ConsumerOptions,
    private readonly brokers: string[],
  ) {}

  start(): Promise<void> {
    this.started ??= (async () => {
      // The admin connection first: an unreachable cluster is reported within the client's connect bound.
      await this.admin();
      await kafkaCall({ brokers: this.brokers, what: `joining group "${this.opts.groupId}"` }, () => this.doStart());
    })();
    return this.started;
  }

  private async doStart(): Promise<void> {
    const o = this.opts;
    const consumer = this.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: o.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: o.heartbeatIntervalMs ?? 3_000,
      partitionAssigners: [sluiceAssigner(o.assignor ?? 'roundrobin')],
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      readUncommitted: true,
      retry: { retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const a = e.payload.memberAssignment as Record<string, number[]>;
      this.pendingAssignment = Object.entries(a).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
      this.notify();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) {
        this.crashed = translateKafkaError(e.payload.error, { brokers: this.brokers, what: `consuming in group "${this.opts.groupId}"` }) as Error;
        this.notify();
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: o.topics, fromBeginning: (o.autoOffsetReset ?? 'earliest') === 'earliest' });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 64,
      eachBatch: (payload) => this.park(payload),
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async park({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    if (this.closing || batch.isEmpty() || isStale()) return;
    const records: LogRecord[] = batch.messages.map((m) => {
      const headers: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(m.headers ?? {})) {
        const last = Array.isArray(v) ? v[v.length - 1] : v;
        if (last !== undefined) headers[k] = Buffer.isBuffer(last) ? last : Buffer.from(String(last));
      }
      return { key: m.key ?? null, value: m.value ?? null, headers, timestamp: Number(m.timestamp), offset: Number(m.offset) };
    });
    const fetched: FetchedBatch = { topic: batch.topic, partition: batch.partition, records, highWatermark: Number(batch.highWatermark) };
    // Keep the session alive while the worker holds the batch; a rebalance is noticed by kafkajs's
    // own loop once the batch is released.
    const beat = setInterval(() => heartbeat().catch(() => {}), Math.max(500, (this.opts.heartbeatIntervalMs ?? 3000) / 2));
    try {
      const parked: Parked = { batch: fetched, deliveredUpTo: -1, release: () => {} };
      const deliver = await new Promise<boolean>((release) => {
        parked.release = release;
        this.queue.push(parked);
        this.notify();
      });
      // Dropped (paused, sought, revoked) after part of it was handed out: kafkajs refetches from there.
      if (deliver) resolveOffset(batch.lastOffset());
      else if (parked.deliveredUpTo >= 0) resolveOffset(String(parked.deliveredUpTo));
    } finally {
      clearInterval(beat);
    }
  }

  async poll(opts: PollOptions = {}): Promise<FetchedBatch[]> {
    await this.start();
    for (const d of this.delivered) d.release(true);
    this.delivered = [];
    const deadline = Date.now() + (opts.maxWaitMs ?? 500);
    for (;;) {
      if (this.crashed) throw this.crashed;
      if (this.pendingAssignment) await this.applyAssignment();
      const ready = this.takeReady(opts.maxRecords ?? Infinity);
      if (ready.length > 0) return ready;
      const left = deadline - Date.now();
      if (left <= 0 || this.closing) return [];
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  private async applyAssignment(): Promise<void> {
    const next = this.pendingAssignment!;
    this.pendingAssignment = null;
    const owned = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    // Batches of partitions that moved away are not ours to return any more.
    this.queue = this.queue.filter((p) => {
      if (owned.has(tpKey(p.batch.topic, p.batch.partition))) return true;
      p.release(false);
      return false;
    });
    const previous = this.current;
    this.current = next;
    if (previous.length > 0) await this.opts.listener?.onRevoked?.(previous);
    await this.opts.listener?.onAssigned?.(next);
  }

  /** Queued batches up to maxRecords; a batch larger than what is left is split, its eachBatch released with its last part. */
  private takeReady(maxRecords: number): FetchedBatch[] {
    const out: FetchedBatch[] = [];
    let count = 0;
    while (this.queue.length > 0 && count < maxRecords) {
      const p = this.queue[0]!;
      const room = maxRecords - count;
      if (p.batch.records.length <= room) {
        this.queue.shift();
        out.push(p.batch);
        this.delivered.push(p);
        count += p.batch.records.length;
      } else {
        const part = p.batch.records.slice(0, room);
        out.push({ ...p.batch, records: part });
        p.batch = { ...p.batch, records: p.batch.records.slice(room) };
        p.deliveredUpTo = part[part.length - 1]!.offset;
        count += room;
      }
    }
    return out;
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.start();
    try {
      await this.consumer!.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
    } catch (err) {
      // kafkajs wraps the protocol error after its retries: the Kafka error name is on the cause.
      const type = (err as { type?: string }).type ?? (err as { cause?: { type?: string } }).cause?.type;
      if (type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID' || type === 'REBALANCE_IN_PROGRESS') {
        throw new CommitFailedError(this.opts.groupId, KafkaErrorCode[type]);
      }
      throw translateKafkaError(err, { brokers: this.brokers, what: `committing offsets of group "${this.opts.groupId}"` });
    }
  }

  async committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const admin = await this.admin();
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const res = await admin.fetchOffsets({ groupId: this.opts.groupId, topics });
    const byKey = new Map(res.flatMap((t) => t.partitions.map((p) => [tpKey(t.topic, p.partition), Number(p.offset)] as const)));
    return partitions.map((p) => ({ ...p, offset: byKey.get(tpKey(p.topic, p.partition)) ?? -1 }));
  }

  seek(tp: TopicPartitionOffset): void {
    this.dropQueued((p) => p.batch.topic === tp.topic && p.batch.partition === tp.partition);
    this.consumer?.seek({ topic: tp.topic, partition: tp.partition, offset: String(tp.offset) });
  }

  pause(partitions: TopicPartition[]): void {
    if (partitions.length === 0) return;
    for (const p of partitions) this.paused.add(tpKey(p.topic, p.partition));
    this.consumer?.pause(groupByTopic(partitions));
    // A parked batch of a paused partition would hold up kafkajs's next fetch for all partitions.
    this.dropQueued((p) => this.paused.has(tpKey(p.batch.topic, p.batch.partition)));
  }

  resume(partitions: TopicPartition[]): void {
    const wasPaused = partitions.filter((p) => this.paused.delete(tpKey(p.topic, p.partition)));
    if (wasPaused.length) this.consumer?.resume(groupByTopic(wasPaused));
  }

  private dropQueued(match: (p: Parked) => boolean): void {
    this.queue = this.queue.filter((p) => {
      if (!match(p)) return true;
      p.release(false);
      return false;
    });
  }

  assignment(): TopicPartition[] {
    return [...this.current];
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const d of this.delivered) d.release(true);
    for (const q of this.queue) q.release(false);
    this.delivered = [];
    this.queue = [];
    this.notify();
    if (this.started) {
      await this.started.catch(() => {});
      await this.consumer?.disconnect();
    }
  }
}

function groupByTopic(tps: TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const m = new Map<string, number[]>();
  for (const tp of tps) {
    let l = m.get(tp.topic);
    if (!l) m.set(tp.topic, (l = []));
    l.push(tp.partition);
  }
  return [...m].map(([topic, partitions]) => ({ topic, partitions }));
}
