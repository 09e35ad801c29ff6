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
import { Task } from './task.js';

export interface RunnerOptions {
  appId: string;
  client: LogClient;
  producer: LogProducer;
  logger: Logger;
  metrics: MetricsRegistry;
  policy: ErrorPolicy;
  maxRecords: number;
  maxWaitMs: number;
}

export class PipelineRunner {
  readonly groupId: string;
  private consumer?: LogConsumer;
  private readonly tasks = new Map<number, Task>();
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
    await Promise.all(tasks.map((t) => t.close()));
  }

  private async run(): Promise<void> {
    const consumer = this.consumer!;
    await consumer.start();
    const m = this.opts.metrics;
    const latency = m.histogram('sluice_batch_latency_seconds', 'time from poll to commit of a batch', { pipeline: this.def.name });
    const commits = m.counter('sluice_commits_total', 'offset commits', { pipeline: this.def.name });
    while (!this.stopping) {
      const batches = await consumer.poll({ maxWaitMs: this.opts.maxWaitMs, maxRecords: this.opts.maxRecords });
      if (batches.length === 0) continue;
      const started = performance.now();
      const byTask = new Map<number, InputRecord[][]>();
      const offsets: TopicPartitionOffset[] = [];
      for (const b of batches) {
        m.counter('sluice_records_in_total', 'records consumed', { topic: b.topic }).inc(b.records.length);
        const last = b.records[b.records.length - 1]!;
        m.gauge('sluice_consumer_lag', 'records between the last consumed offset and the end of the partition', { topic: b.topic, partition: String(b.partition) }).set(b.highWatermark - last.offset - 1);
        offsets.push({ topic: b.topic, partition: b.partition, offset: last.offset + 1 });
        const recs = b.records as InputRecord[];
        for (let i = 0; i < recs.length; i++) {
          // Records are stamped with their origin in place: they were decoded for this poll only.
          recs[i]!.topic = b.topic;
          recs[i]!.partition = b.partition;
        }
        let list = byTask.get(b.partition);
        if (!list) byTask.set(b.partition, (list = []));
        list.push(recs);
      }
      await Promise.all(
        [...byTask].map(async ([partition, lists]) => {
          const task = this.tasks.get(partition);
          if (!task) return;
          await task.process(lists.length === 1 ? lists[0]! : mergeByTimestamp(lists));
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

/** Merges per-partition record lists (each in offset order) into one list in timestamp order. */
export function mergeByTimestamp(lists: InputRecord[][]): InputRecord[] {
  const out: InputRecord[] = [];
  const idx = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const r = lists[i]![idx[i]!];
      if (r && (best < 0 || r.timestamp < lists[best]![idx[best]!]!.timestamp)) best = i;
    }
    if (best < 0) return out;
    out.push(lists[best]![idx[best]!++]!);
  }
}
