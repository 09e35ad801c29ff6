/**
 * Runs one pipeline: a group member (group `<app>.<pipeline>`, co-partitioned assignment) whose
 * partitions become tasks. The loop is Kafka Streams' commit protocol:
 *   poll a batch → each task runs its records (inputs merged in timestamp order) → each task
 *   flushes its effects (produced records durable, tracked promises, state-store hooks) →
 *   commit the batch's next offsets → poll again.
 * Nothing is committed before its effects are durable; a crash replays at most the batch in
 * flight. Only one batch per task is in flight, and the next poll waits for it, so memory stays
 * flat however far behind the pipeline is.
 */
import type { LogClient, LogConsumer, LogProducer, TopicPartition, TopicPartitionOffset } from '../client/types.js';
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
  /** Merge the inputs of a task in timestamp order (co-partitioned inputs; not for sinks). */
  mergeInputs: boolean;
  /** How long a task waits for an input that may have more data before it processes anyway. */
  maxTaskIdleMs: number;
  group?: { sessionTimeoutMs: number; heartbeatIntervalMs: number; rebalanceTimeoutMs: number };
}

export class PipelineRunner {
  readonly groupId: string;
  private consumer?: LogConsumer;
  private readonly tasks = new Map<number, Task>();
  private readonly queues = new InputQueues();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private stopping = false;
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
      clientId: `${this.opts.appId}-${this.def.name}`,
      ...this.opts.group,
      listener: {
        onRevoked: async () => this.closeTasks(),
        onAssigned: (tps) => this.openTasks(tps),
      },
    });
    this.loop = this.run().catch((err) => {
      if (!this.stopping) onFatal(err);
    });
  }

  private openTasks(tps: TopicPartition[]): void {
    for (const p of new Set(tps.map((tp) => tp.partition))) {
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
    this.opts.logger.info('tasks assigned', { pipeline: this.def.name, partitions: [...this.tasks.keys()] });
  }

  private async closeTasks(): Promise<void> {
    const tasks = [...this.tasks.values()];
    this.tasks.clear();
    this.queues.clear();
    await Promise.all(tasks.map((t) => t.close()));
  }

  private async run(): Promise<void> {
    const consumer = this.consumer!;
    await consumer.start();
    const m = this.opts.metrics;
    const latency = m.histogram('sluice_batch_latency_seconds', 'time from poll to commit of a batch', { pipeline: this.def.name });
    const commits = m.counter('sluice_commits_total', 'offset commits', { pipeline: this.def.name });
    const multiInput = this.opts.mergeInputs && this.def.inputs.length > 1;
    const blockedSince = new Map<number, number>();
    while (!this.stopping) {
      const batches = await consumer.poll({ maxWaitMs: this.opts.maxWaitMs, maxRecords: this.opts.maxRecords, maxBytesPerPartition: this.opts.maxBytesPerPartition });
      if (batches.length === 0 && !(multiInput && this.queues.hasBuffered())) continue;
      const started = performance.now();
      const byTask = new Map<number, InputRecord[]>();
      let offsets: TopicPartitionOffset[] = [];
      for (const b of batches) {
        m.counter('sluice_records_in_total', 'records consumed', { topic: b.topic }).inc(b.records.length);
        const last = b.records[b.records.length - 1]!;
        m.gauge('sluice_consumer_lag', 'records between the last consumed offset and the end of the partition', { topic: b.topic, partition: String(b.partition) }).set(b.highWatermark - last.offset - 1);
        const recs = b.records as InputRecord[];
        for (let i = 0; i < recs.length; i++) {
          // Records are stamped with their origin in place: they were decoded for this poll only.
          recs[i]!.topic = b.topic;
          recs[i]!.partition = b.partition;
        }
        if (multiInput) this.queues.add(b);
        else {
          offsets.push({ topic: b.topic, partition: b.partition, offset: last.offset + 1 });
          byTask.set(b.partition, recs);
        }
      }
      if (multiInput) {
        // Inputs of a task are merged in timestamp order, waiting for an input that has more to fetch.
        offsets = [];
        const now = Date.now();
        for (const p of this.tasks.keys()) {
          const since = blockedSince.get(p);
          const taken = this.queues.take(p, this.def.inputs, this.opts.maxRecords, since !== undefined && now - since >= this.opts.maxTaskIdleMs);
          if (taken.blocked && taken.records.length === 0) {
            if (since === undefined) blockedSince.set(p, now);
          } else blockedSince.delete(p);
          if (taken.records.length) byTask.set(p, taken.records);
          offsets.push(...taken.offsets);
        }
        // A fast input is paused while its buffer is large, so a slow one catches up in bounded memory.
        const tps = consumer.assignment();
        consumer.pause(tps.filter((tp) => this.queues.buffered(tp) > this.opts.maxRecords));
        consumer.resume(tps.filter((tp) => this.queues.buffered(tp) <= this.opts.maxRecords));
        if (byTask.size === 0) continue;
      }
      await Promise.all(
        [...byTask].map(async ([partition, records]) => {
          const task = this.tasks.get(partition);
          if (!task) return;
          await task.process(records);
          await task.flush();
        }),
      );
      await consumer.commit(offsets);
      commits.inc();
      latency.observe((performance.now() - started) / 1000);
      this.lastActivity = Date.now();
    }
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
