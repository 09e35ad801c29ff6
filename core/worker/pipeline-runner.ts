/**
 * Runs one pipeline: a group member (group `<app>.<pipeline>`, co-partitioned assignment) whose
 * partitions become tasks. The loop is Kafka Streams' commit protocol:
 *   poll a batch → each task runs its records (inputs merged in timestamp order) → each task
 *   flushes its effects (produced records durable, tracked promises, state-store hooks) →
 *   commit the batch's next offsets → poll again.
 * Nothing is committed before its effects are durable; a crash replays at most the batch in
 * flight. Only one batch per task is in flight, and the next poll waits for it, so memory stays
 * flat however far behind the pipeline is.
 *
 * A task is partition number p of every input topic that has a partition p (Kafka Streams' rule
 * for a sub-topology with several source topics): a pipeline has as many tasks as its largest
 * input has partitions, and task p's batch holds the records of all its topic-partitions. The
 * offsets committed are exactly those of the records a task ran — never those of records fetched
 * but not (yet) run.
 */
import { CommitFailedError } from '../client/errors.js';
import type { FetchedBatch, LogClient, LogConsumer, LogProducer, TopicPartition, TopicPartitionOffset } from '../client/types.js';
import type { Logger } from '../log/types.js';
import type { InputRecord, PipelineDefinition } from './contracts.js';
import type { ErrorPolicy } from './error-policy.js';
import type { MetricsRegistry } from './metrics.js';
import { InputQueues } from './input-queues.js';
import { Task } from './task.js';

export interface RunnerOptions {
  appId: string;
  client: LogClient;
  producer: LogProducer;
  /** Writes the pipeline's internal topics (changelogs, repartition topics). */
  internalProducer: LogProducer;
  logger: Logger;
  metrics: MetricsRegistry;
  policy: ErrorPolicy;
  maxRecords: number;
  maxWaitMs: number;
  maxBytesPerPartition: number;
  /** Merge the inputs of a task in timestamp order (DSL pipelines; not for sinks, where order across topics does not matter). */
  mergeInputs: boolean;
  /** How long a task waits for an input that may have more data before it processes anyway. */
  maxTaskIdleMs: number;
  group?: { sessionTimeoutMs: number; heartbeatIntervalMs: number; rebalanceTimeoutMs: number };
}

/** What one task runs of one poll, and the offsets that become committable once it has. */
interface TaskWork {
  task: Task;
  records: InputRecord[];
  offsets: TopicPartitionOffset[];
}

export class PipelineRunner {
  readonly groupId: string;
  private consumer?: LogConsumer;
  private readonly tasks = new Map<number, Task>();

  /** The tasks this runner holds now (its assigned partitions): interactive queries read their stores. */
  get activeTasks(): Task[] {
    return [...this.tasks.values()];
  }
  /** The input topics each task has a partition of (its partition number exists in them). */
  private readonly taskTopics = new Map<number, string[]>();
  private readonly queues = new InputQueues();
  /** Tasks waiting for an input that may have more data, since when (maxTaskIdleMs). */
  private readonly blockedSince = new Map<number, number>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private stopping = false;
  /** Paused (a sink's Kafka Connect pause): every assigned partition is paused in the consumer, which keeps polling so the member stays in its group. */
  private pausedAll = false;
  /** Time of the last batch processed (for idle detection). */
  lastActivity = Date.now();

  constructor(
    readonly def: PipelineDefinition,
    private readonly opts: RunnerOptions,
  ) {
    this.groupId = `${opts.appId}.${def.name}`;
  }

  start(onFatal: (err: unknown) => void): void {
    this.consumer = this.opts.client.consumer({
      groupId: this.groupId,
      topics: this.def.inputs,
      assignor: 'copartitioned',
      lazyRecords: this.def.lazyRecords === true,
      clientId: `${this.opts.appId}-${this.def.name}`,
      ...this.opts.group,
      listener: {
        onRevoked: async () => this.closeTasks(),
        onAssigned: async (tps) => {
          await this.openTasks(tps);
          if (this.pausedAll) this.consumer!.pause(tps);
        },
      },
    });
    this.loop = this.run().catch((err) => {
      if (!this.stopping) onFatal(err);
    });
  }

  private get merging(): boolean {
    return this.opts.mergeInputs && this.def.inputs.length > 1;
  }

  private async openTasks(tps: TopicPartition[]): Promise<void> {
    for (const tp of tps) {
      const topics = this.taskTopics.get(tp.partition) ?? [];
      if (!topics.includes(tp.topic)) topics.push(tp.topic);
      this.taskTopics.set(tp.partition, topics);
    }
    for (const [p, topics] of this.taskTopics) {
      topics.sort((a, b) => this.def.inputs.indexOf(a) - this.def.inputs.indexOf(b));
      if (this.tasks.has(p)) continue;
      this.tasks.set(
        p,
        new Task(this.def, p, {
          appId: this.opts.appId,
          client: this.opts.client,
          producer: this.opts.producer,
          internalProducer: this.opts.internalProducer,
          logger: this.opts.logger,
          metrics: this.opts.metrics,
          policy: this.opts.policy,
          signal: this.abort.signal,
        }),
      );
    }
    if (this.merging) await this.markCaughtUp(tps);
    this.opts.logger.info('tasks assigned', { pipeline: this.def.name, partitions: [...this.tasks.keys()] });
  }

  /**
   * Tells the merge which assigned partitions have nothing to fetch (their position is at the
   * end), so a task does not wait maxTaskIdleMs for an empty input on every batch: Kafka Streams
   * likewise waits only for inputs whose lag is not known to be zero.
   */
  private async markCaughtUp(tps: TopicPartition[]): Promise<void> {
    const admin = this.opts.client.admin();
    const committed = new Map((await this.consumer!.committed(tps)).map((c) => [`${c.topic}/${c.partition}`, c.offset]));
    for (const topic of new Set(tps.map((tp) => tp.topic))) {
      const [latest, earliest] = await Promise.all([admin.listOffsets(topic, 'latest'), admin.listOffsets(topic, 'earliest')]);
      for (const tp of tps) {
        if (tp.topic !== topic) continue;
        const end = latest.find((o) => o.partition === tp.partition)?.offset ?? 0;
        const start = earliest.find((o) => o.partition === tp.partition)?.offset ?? 0;
        const position = committed.get(`${topic}/${tp.partition}`) ?? -1;
        if ((position >= 0 ? position : start) >= end) this.queues.caughtUp(tp, end);
      }
    }
  }

  private async closeTasks(): Promise<void> {
    const tasks = [...this.tasks.values()];
    this.tasks.clear();
    this.taskTopics.clear();
    this.blockedSince.clear();
    // Buffered records were not run: the new assignment fetches them again from the committed offsets.
    this.queues.clear();
    await Promise.all(tasks.map((t) => t.close()));
  }

  private async run(): Promise<void> {
    const consumer = this.consumer!;
    await consumer.start();
    const m = this.opts.metrics;
    const latency = m.histogram('sluice_batch_latency_seconds', 'time from poll to commit of a batch', { pipeline: this.def.name });
    const commits = m.counter('sluice_commits_total', 'offset commits', { pipeline: this.def.name });
    let yielded = performance.now();
    while (!this.stopping) {
      // On the embedded log a backlog is read, run and committed without any I/O wait, so the loop
      // would never let timers and sockets run: /metrics, /health, the console and the consumer's
      // heartbeat would stall until it caught up. One turn of the event loop every 50 ms costs nothing.
      if (performance.now() - yielded > 50) {
        await new Promise<void>((r) => setImmediate(r));
        yielded = performance.now();
      }
      const batches = await consumer.poll({ maxWaitMs: this.opts.maxWaitMs, maxRecords: this.opts.maxRecords, maxBytesPerPartition: this.opts.maxBytesPerPartition });
      const started = performance.now();
      for (const b of batches) {
        m.counter('sluice_records_in_total', 'records consumed', { topic: b.topic }).inc(b.records.length);
        const last = b.records[b.records.length - 1]!;
        m.gauge('sluice_consumer_lag', 'records between the last consumed offset and the end of the partition', { topic: b.topic, partition: String(b.partition) }).set(b.highWatermark - last.offset - 1);
        const recs = b.records as InputRecord[];
        // Records are stamped with their origin in place (they were decoded for this poll only),
        // unless the log's decoder already gave it to them all (the embedded log does).
        if (recs[recs.length - 1]!.topic === b.topic && recs[recs.length - 1]!.partition === b.partition && recs[0]!.topic === b.topic) continue;
        for (let i = 0; i < recs.length; i++) {
          recs[i]!.topic = b.topic;
          recs[i]!.partition = b.partition;
        }
      }
      const work = this.merging ? this.takeMerged(batches, consumer) : this.takeBatches(batches);
      if (work.length === 0) continue;
      await Promise.all(
        work.map(async (w) => {
          await w.task.process(w.records);
          await w.task.flush();
        }),
      );
      try {
        await consumer.commit(work.flatMap((w) => w.offsets));
      } catch (err) {
        if (!(err instanceof CommitFailedError)) throw err;
        await this.rewind(consumer, err);
        continue;
      }
      commits.inc();
      latency.observe((performance.now() - started) / 1000);
      this.lastActivity = Date.now();
    }
  }

  /** Each task's batch: the records of all its topic-partitions in this poll, one after the other. */
  private takeBatches(batches: FetchedBatch[]): TaskWork[] {
    const work = new Map<number, TaskWork & { shared: boolean }>();
    for (const b of batches) {
      const task = this.tasks.get(b.partition);
      // The consumer returns records only of assigned partitions, and every one has a task; were
      // it otherwise, committing this batch's offsets would lose its records.
      if (!task) throw new Error(`internal: records of ${b.topic}/${b.partition} arrived for pipeline "${this.def.name}" without a task`);
      const recs = b.records as InputRecord[];
      const offset = { topic: b.topic, partition: b.partition, offset: recs[recs.length - 1]!.offset + 1 };
      const w = work.get(b.partition);
      // A task's only batch is run as it came (no copy); a second topic's is appended to a copy.
      if (!w) work.set(b.partition, { task, records: recs, offsets: [offset], shared: true });
      else {
        if (w.shared) {
          w.records = w.records.slice();
          w.shared = false;
        }
        for (let i = 0; i < recs.length; i++) w.records.push(recs[i]!);
        w.offsets.push(offset);
      }
    }
    return [...work.values()];
  }

  /** Each task's batch, its inputs merged in timestamp order, waiting for an input that has more to fetch. */
  private takeMerged(batches: FetchedBatch[], consumer: LogConsumer): TaskWork[] {
    for (const b of batches) this.queues.add(b);
    const work: TaskWork[] = [];
    const now = Date.now();
    for (const [p, task] of this.tasks) {
      const since = this.blockedSince.get(p);
      const taken = this.queues.take(p, this.taskTopics.get(p) ?? [], this.opts.maxRecords, since !== undefined && now - since >= this.opts.maxTaskIdleMs);
      if (taken.blocked && taken.records.length === 0) {
        if (since === undefined) this.blockedSince.set(p, now);
      } else this.blockedSince.delete(p);
      if (taken.records.length) work.push({ task, records: taken.records, offsets: taken.offsets });
    }
    // A fast input is paused while its buffer is large, so a slow one catches up in bounded
    // memory; decided on every poll, so a partition whose buffer was dropped (a rebalance) resumes.
    const tps = consumer.assignment();
    consumer.pause(tps.filter((tp) => this.queues.buffered(tp) > this.opts.maxRecords));
    if (!this.pausedAll) consumer.resume(tps.filter((tp) => this.queues.buffered(tp) <= this.opts.maxRecords));
    return work;
  }

  /**
   * A commit the group refused (this member was removed or the group rebalanced meanwhile, e.g. a
   * batch outlasted the session timeout): the batch's effects are durable but its offsets are not,
   * so, as Kafka Streams does on a migrated task, the member carries on instead of failing — it
   * goes back to the committed offsets of what it holds (the batch runs again: at-least-once) and
   * the consumer rejoins on its next poll, moving tasks as the new assignment says.
   */
  private async rewind(consumer: LogConsumer, err: CommitFailedError): Promise<void> {
    this.opts.logger.warn('commit refused: the group rebalanced; the batch will be processed again from the committed offsets', { pipeline: this.def.name, error: err.message });
    this.queues.clear();
    this.blockedSince.clear();
    const held = consumer.assignment();
    if (held.length === 0) return;
    for (const c of await consumer.committed(held)) if (c.offset >= 0) consumer.seek(c);
  }

  get paused(): boolean {
    return this.pausedAll;
  }

  /** Fetches nothing more after the batch in flight; the member keeps polling, so it keeps its partitions. */
  pause(): void {
    this.pausedAll = true;
    this.consumer?.pause(this.consumer.assignment());
  }

  resume(): void {
    this.pausedAll = false;
    this.consumer?.resume(this.consumer.assignment());
  }

  /** Finishes the batch in flight, commits it, closes the tasks and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.closeTasks();
    await this.consumer?.close();
    this.abort.abort();
  }

  /** Committed offsets equal the end of every input partition. */
  async caughtUp(): Promise<boolean> {
    const admin = this.opts.client.admin();
    const desc = await admin.describeGroup(this.groupId);
    const committed = new Map(desc.offsets.map((o) => [`${o.topic}/${o.partition}`, o.committed]));
    for (const topic of this.def.inputs) {
      for (const { partition, offset } of await admin.listOffsets(topic, 'latest')) {
        if (offset > 0 && (committed.get(`${topic}/${partition}`) ?? 0) < offset) return false;
      }
    }
    return true;
  }
}
