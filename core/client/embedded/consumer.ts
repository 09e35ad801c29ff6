/**
 * A group member over the embedded log, pull-based like Java's KafkaConsumer. It speaks the same
 * classic protocol to the shared coordinator as a remote client does (ConsumerProtocol metadata,
 * leader-side assignment), so kafkajs members and embedded members mix in one group.
 *
 * Rebalances happen inside poll(): the coordinator tells in-process members at once that a
 * rebalance started (a heartbeat timer covers the rest); poll() then calls onRevoked for every
 * owned partition (eager protocol), rejoins, and calls onAssigned before returning records of the
 * new assignment. A consumer that is busy between polls keeps its partitions until it polls again
 * or the rebalance timeout passes.
 */
import { setMaxListeners } from 'node:events';
import { OffsetOutOfRangeError, ClosedError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { assignors } from '../../groups/assignors.js';
import { decodeMemberAssignment, decodeMemberMetadata, encodeMemberAssignment, encodeMemberMetadata } from '../../groups/consumer-protocol.js';
import type { EmbeddedGroupCoordinator } from '../../groups/coordinator.js';
import type { LogEngine } from '../../log/types.js';
import { CommitFailedError, GroupMembershipError } from '../errors.js';
import type { ConsumerOptions, FetchedBatch, LogConsumer, PollOptions, TopicPartition, TopicPartitionOffset } from '../types.js';

/** What a consumer needs of its group coordinator (the coordinator itself, or its proxy in a task thread). */
export type ConsumerCoordinator = Pick<EmbeddedGroupCoordinator, 'onRebalance' | 'joinGroup' | 'syncGroup' | 'heartbeat' | 'leaveGroup' | 'commitOffsets' | 'fetchOffsets'>;

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class EmbeddedConsumer implements LogConsumer {
  private memberId = '';
  private generation = -1;
  private assigned: TopicPartition[] = [];
  private readonly positions = new Map<string, number>();
  private readonly paused = new Set<string>();
  /** Where the next poll starts among the active partitions (fetchReady). */
  private rotation = 0;
  private needsJoin = true;
  private started = false;
  private closed = false;
  private heartbeatTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private wakeup = new AbortController();
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;

  constructor(
    private readonly deps: () => Promise<{ engine: LogEngine; coordinator: ConsumerCoordinator }>,
    private readonly opts: ConsumerOptions,
  ) {
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 30_000;
    this.rebalanceTimeoutMs = opts.rebalanceTimeoutMs ?? 60_000;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 3_000;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { coordinator } = await this.deps();
    this.unsubscribe = coordinator.onRebalance(this.opts.groupId, () => this.requestRejoin());
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private requestRejoin(): void {
    this.needsJoin = true;
    this.wakeup.abort();
  }

  private async heartbeat(): Promise<void> {
    if (this.closed || !this.memberId || this.needsJoin) return;
    const { coordinator } = await this.deps();
    const code = await coordinator.heartbeat({ groupId: this.opts.groupId, generationId: this.generation, memberId: this.memberId });
    if (code === KafkaErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    if (code !== 0) this.requestRejoin();
  }

  async poll(opts: PollOptions = {}): Promise<FetchedBatch[]> {
    if (this.closed) throw new ClosedError('the consumer');
    if (!this.started) await this.start();
    if (this.needsJoin) await this.rejoin();
    const maxWaitMs = opts.maxWaitMs ?? 500;
    let out = await this.fetchReady(opts);
    if (out.length > 0 || maxWaitMs <= 0) return out;
    await this.waitForData(maxWaitMs);
    if (this.needsJoin || this.closed) return [];
    out = await this.fetchReady(opts);
    return out;
  }

  private active(): TopicPartition[] {
    return this.assigned.filter((tp) => !this.paused.has(tpKey(tp.topic, tp.partition)));
  }

  private async fetchReady(opts: PollOptions): Promise<FetchedBatch[]> {
    const { engine } = await this.deps();
    const maxBytes = opts.maxBytesPerPartition ?? 1024 * 1024;
    let budget = opts.maxRecords ?? Infinity;
    const out: FetchedBatch[] = [];
    // The record budget is shared out: in a first pass each partition takes at most its share, so
    // one poll reads every partition that has data, as a Kafka fetch does (per-partition limits).
    // Letting the first partitions take the whole budget starved the others, and a task merging a
    // join's inputs by timestamp then gave up waiting for the starved one after maxTaskIdleMs and
    // dropped its records as late. What the share leaves unused goes, in a second pass, to the
    // partitions that filled theirs, so a backlog in one partition still makes full batches. The
    // start rotates, so rounding favours no partition.
    const parts = this.active();
    const share = Math.max(1, Math.ceil(budget / Math.max(1, parts.length)));
    const first = parts.length > 0 ? this.rotation++ % parts.length : 0;
    const filled: FetchedBatch[] = [];
    for (let i = 0; i < parts.length && budget > 0; i++) {
      const tp = parts[(first + i) % parts.length]!;
      const limit = Math.min(share, budget);
      const batch = await this.readFrom(engine, tp, maxBytes, limit);
      if (batch === null) continue;
      budget -= batch.records.length;
      out.push(batch);
      if (batch.records.length === limit) filled.push(batch);
    }
    for (const batch of filled) {
      if (budget <= 0) break;
      const more = await this.readFrom(engine, batch, maxBytes, budget);
      if (more === null) continue;
      budget -= more.records.length;
      for (const r of more.records) batch.records.push(r);
      batch.highWatermark = more.highWatermark;
    }
    return out;
  }

  /**
   * Up to `limit` records of a partition from this member's position, which moves past them; null
   * when there are none. Batches that cannot be read (a bad CRC with checkCrcs, undecodable
   * records) are reported by the log and skipped: the position moves past them too, so a
   * damaged batch never stalls the partition.
   */
  private async readFrom(engine: LogEngine, tp: TopicPartition, maxBytes: number, limit: number): Promise<FetchedBatch | null> {
    const key = tpKey(tp.topic, tp.partition);
    const pos = this.positions.get(key);
    if (pos === undefined || !engine.hasTopic(tp.topic)) return null;
    let res;
    try {
      res = await engine.readRecords(tp.topic, tp.partition, pos, maxBytes, limit, { verifyCrc: this.opts.checkCrcs !== false, lazy: this.opts.lazyRecords === true });
    } catch (err) {
      if (!(err instanceof OffsetOutOfRangeError)) throw err;
      // Retention removed records this member had not read: reset as auto.offset.reset says.
      this.positions.set(key, await this.resetPosition(tp));
      return null;
    }
    let records = res.records;
    if (records.length === 0) {
      if (res.next > pos) this.positions.set(key, res.next);
      return null;
    }
    if (records.length > limit) records = records.slice(0, limit);
    this.positions.set(key, records[records.length - 1]!.offset + 1);
    return { topic: tp.topic, partition: tp.partition, records, highWatermark: res.highWatermark };
  }

  /** Waits until any active partition has data past its position, a rebalance starts, or the timeout. */
  private async waitForData(timeoutMs: number): Promise<void> {
    const { engine } = await this.deps();
    if (this.needsJoin || this.closed) return;
    if (this.wakeup.signal.aborted) this.wakeup = new AbortController();
    const parts = this.active();
    if (parts.length === 0) {
      const signal = this.wakeup.signal;
      await new Promise<void>((resolve) => {
        const onAbort = () => (clearTimeout(t), resolve());
        const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), timeoutMs);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      return;
    }
    const ac = new AbortController();
    // One listener per partition waited on: a member of many partitions is no leak.
    setMaxListeners(parts.length + 10, ac.signal);
    const onWake = () => ac.abort();
    this.wakeup.signal.addEventListener('abort', onWake, { once: true });
    try {
      await Promise.race(
        parts.map((tp) => engine.waitFor(tp.topic, tp.partition, this.positions.get(tpKey(tp.topic, tp.partition)) ?? 0, timeoutMs, ac.signal)),
      );
    } finally {
      ac.abort();
      this.wakeup.signal.removeEventListener('abort', onWake);
    }
  }

  private async resetPosition(tp: TopicPartition): Promise<number> {
    const { engine } = await this.deps();
    const spec = this.opts.autoOffsetReset === 'latest' ? 'latest' : 'earliest';
    return (await engine.listOffset(tp.topic, tp.partition, spec)).offset;
  }

  private async rejoin(): Promise<void> {
    const { engine, coordinator } = await this.deps();
    const groupId = this.opts.groupId;
    if (this.assigned.length > 0) {
      const revoked = this.assigned;
      await this.opts.listener?.onRevoked?.(revoked);
      this.assigned = [];
      this.positions.clear();
    }
    const assignor = assignors[this.opts.assignor ?? 'roundrobin'];
    for (let attempt = 0; !this.closed; attempt++) {
      if (this.wakeup.signal.aborted) this.wakeup = new AbortController();
      const join = await coordinator.joinGroup({
        groupId,
        memberId: this.memberId,
        clientId: this.opts.clientId ?? 'sluice',
        clientHost: '/127.0.0.1',
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        protocolType: 'consumer',
        protocols: [{ name: assignor.name, metadata: encodeMemberMetadata({ topics: this.opts.topics }) }],
      });
      if (join.errorCode === KafkaErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = '';
        continue;
      }
      if (join.errorCode !== 0) {
        if (this.closed) return;
        if (attempt > 5) throw new GroupMembershipError(groupId, join.errorCode, 'joining');
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        continue;
      }
      // This join covers every rebalance announced before it completed (our own included).
      this.needsJoin = false;
      this.memberId = join.memberId;
      this.generation = join.generationId;
      let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
      if (join.leaderId === join.memberId) {
        const members = join.members.map((m) => ({ memberId: m.memberId, topics: decodeMemberMetadata(m.metadata).topics }));
        const result = assignor.assign({ members, partitions: (t) => (engine.hasTopic(t) ? engine.partitionCount(t) : 0) });
        assignments = [...result].map(([memberId, assignment]) => ({ memberId, assignment: encodeMemberAssignment({ assignment }) }));
      }
      const sync = await coordinator.syncGroup({ groupId, generationId: this.generation, memberId: this.memberId, assignments });
      if (sync.errorCode !== 0) {
        if (sync.errorCode === KafkaErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        continue;
      }
      if (this.needsJoin) continue; // another rebalance started meanwhile
      const decoded = decodeMemberAssignment(sync.assignment).assignment;
      this.assigned = Object.entries(decoded).flatMap(([topic, parts]) => parts.map((partition) => ({ topic, partition })));
      const committed = await coordinator.fetchOffsets({ groupId, partitions: this.assigned });
      for (const c of committed) {
        this.positions.set(tpKey(c.topic, c.partition), c.offset >= 0 ? c.offset : await this.resetPosition(c));
      }
      await this.opts.listener?.onAssigned?.(this.assigned);
      return;
    }
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const { coordinator } = await this.deps();
    const res = await coordinator.commitOffsets({ groupId: this.opts.groupId, generationId: this.generation, memberId: this.memberId, offsets });
    const bad = res.find((r) => r.errorCode !== 0);
    if (bad) {
      // Refused because the membership or generation is stale: rejoin on the next poll (as the
      // Java consumer does after a CommitFailedException), not only when a heartbeat notices.
      if (bad.errorCode === KafkaErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      if (bad.errorCode === KafkaErrorCode.UNKNOWN_MEMBER_ID || bad.errorCode === KafkaErrorCode.ILLEGAL_GENERATION || bad.errorCode === KafkaErrorCode.REBALANCE_IN_PROGRESS) this.requestRejoin();
      throw new CommitFailedError(this.opts.groupId, bad.errorCode);
    }
  }

  async committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const { coordinator } = await this.deps();
    const res = await coordinator.fetchOffsets({ groupId: this.opts.groupId, partitions });
    return res.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset }));
  }

  seek(tp: TopicPartitionOffset): void {
    this.positions.set(tpKey(tp.topic, tp.partition), tp.offset);
    this.wakeup.abort();
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.add(tpKey(tp.topic, tp.partition));
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(tpKey(tp.topic, tp.partition));
    this.wakeup.abort();
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    this.unsubscribe?.();
    this.wakeup.abort();
    if (this.memberId) {
      const { coordinator } = await this.deps();
      await coordinator.leaveGroup({ groupId: this.opts.groupId, memberId: this.memberId });
    }
    this.assigned = [];
  }
}
