/**
 * A task: one partition number of a pipeline's (co-partitioned) inputs. It runs each batch through
 * the operator its pipeline built for it, then makes every effect durable — produced records,
 * tracked promises, commit hooks — before the caller commits. Produced records are buffered per
 * batch and sent in a few large sends, so a failed attempt can be discarded whole.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { LogClient, LogProducer, ProducerRecord } from '../client/types.js';
import type { Logger } from '../log/types.js';
import type { InputRecord, Metrics, PipelineDefinition, TaskContext } from './contracts.js';
import { deadLetterRecord, sendToDeadLetter } from './dead-letter.js';
import { SluiceError } from '../errors.js';
import { PipelineFailedError } from './errors.js';
import { withRetries, type ErrorPolicy } from './error-policy.js';
import { BatchRecords } from './batch-records.js';
import { StateManager, type RestorableStore } from './state-manager.js';
import { PlainNodeCounts } from './node-records.js';

export interface TaskDeps {
  appId: string;
  client: LogClient;
  producer: LogProducer;
  /** The app's writer of its own internal topics (changelogs, repartition topics). */
  internalProducer: LogProducer;
  logger: Logger;
  metrics: Metrics;
  policy: ErrorPolicy;
  signal: AbortSignal;
  /** How a retry's backoff waits (default: real time; a TestDriver's clock passes none). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A topic's records produced in this batch; `start` is where those of record number `gen` begin. */
interface SendBuffer {
  records: ProducerRecord[];
  gen: number;
  start: number;
}

/**
 * Errors that stop the pipeline instead of going to the per-record error policy: the policy's own
 * 'fail', and an error that says it is no record's fault (`fatal: true`, e.g. a suppress buffer
 * over its limit with whenFull 'shut-down'), as Kafka Streams stops on a StreamsException.
 */
function isFatal(err: unknown): boolean {
  return err instanceof PipelineFailedError || (typeof err === 'object' && err !== null && (err as { fatal?: unknown }).fatal === true);
}

export class Task implements TaskContext {
  readonly appId: string;
  readonly taskId: string;
  readonly client: LogClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  private readonly op: OperatorFunction<InputRecord, unknown>;
  private sends = new Map<string, SendBuffer>();
  private tracked: Promise<unknown>[] = [];
  /** Counts the records pushed into the pipeline: a send buffer knows where the current record's sends start. */
  private recordGen = 0;
  private trackedAtRecord = 0;
  /** Error-policy decisions still running (a retry's backoff): the batch is done only when they are. */
  private handling: Array<Promise<unknown>> = [];
  private dlq: ProducerRecord[] = [];
  /** The batch being processed: a failed record is dead-lettered with its bytes (batch-records.ts). */
  private readonly batch = new BatchRecords();
  private readonly commitHooks: Array<() => Promise<void>> = [];
  private readonly closeHooks: Array<() => Promise<void>> = [];
  private readonly dlqCounter: { inc(by?: number): void };
  /** The task's state stores, restored from their changelogs before the first batch. */
  readonly state: StateManager;
  /** The pipeline's changelogs (its compacted internal topics): made durable after everything else of a batch. */
  private readonly stateTopics: Set<string>;
  /** Every internal topic of the pipeline (changelogs and repartition topics): written by the app's internal producer. */
  private readonly internalTopics: Set<string>;
  /** A pipeline without the DSL's topology: its described nodes' record counts (the DSL counts its own). */
  private readonly plainCounts?: PlainNodeCounts;

  constructor(
    private readonly def: PipelineDefinition,
    readonly partition: number,
    private readonly deps: TaskDeps,
  ) {
    this.appId = deps.appId;
    this.taskId = `${def.name}-${partition}`;
    this.client = deps.client;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.dlqCounter = deps.metrics.counter('sluice_dlq_records_total', 'records written to the dead-letter topic', { pipeline: def.name });
    this.stateTopics = new Set((def.internalTopics ?? []).filter((t) => t.config?.['cleanup.policy'] === 'compact').map((t) => t.name));
    this.internalTopics = new Set((def.internalTopics ?? []).map((t) => t.name));
    this.state = new StateManager({ client: deps.client, taskId: this.taskId, partition, logger: deps.logger, metrics: deps.metrics });
    this.op = def.build(this);
    if (!def.describe) this.plainCounts = new PlainNodeCounts(deps.metrics, def);
  }

  send(topic: string, records: ProducerRecord[]): void {
    let buf = this.sends.get(topic);
    if (!buf) this.sends.set(topic, (buf = { records: [], gen: -1, start: 0 }));
    if (buf.gen !== this.recordGen) {
      buf.gen = this.recordGen;
      buf.start = buf.records.length;
    }
    const list = buf.records;
    for (let i = 0; i < records.length; i++) list.push(records[i]!);
  }

  track(effect: Promise<unknown>): void {
    // Attach a handler now so a rejection before the commit is not reported as unhandled.
    effect.catch(() => {});
    this.tracked.push(effect);
  }

  onCommit(hook: () => Promise<void>): void {
    this.commitHooks.push(hook);
  }

  onClose(hook: () => Promise<void>): void {
    this.closeHooks.push(hook);
  }

  registerStore(store: RestorableStore): void {
    this.state.register(store);
  }

  /** Restores the task's stores (once: every later call returns at once). */
  restore(): Promise<void> {
    return this.state.restoreAll();
  }

  handleError(failed: InputRecord, error: unknown, attempt?: () => unknown): Promise<'retry-ok' | 'dead-lettered'> {
    const decided = this.decide(failed, error, attempt);
    // Kept until the batch ends, even if the run that asked is gone (its batch failed meanwhile).
    this.handling.push(decided.catch(() => {}));
    return decided;
  }

  private async decide(failed: InputRecord, error: unknown, attempt?: () => unknown): Promise<'retry-ok' | 'dead-lettered'> {
    const record = this.batch.resolve(failed);
    const policy = this.deps.policy;
    // Errors Sluice knows to be permanent (a value that does not deserialize) are not retried.
    const permanent = error instanceof SluiceError && !error.retriable;
    const res = attempt && !permanent ? await withRetries(policy, attempt, this.deps.signal, error, this.deps.sleep) : { attempts: 1, error };
    if (res.error === undefined) return 'retry-ok';
    if (policy.onFailure === 'fail') throw new PipelineFailedError(this.def.name, `${record.topic}/${record.partition}@${record.offset}`, res.error);
    this.logger.warn('record dead-lettered', { pipeline: this.def.name, topic: record.topic, partition: record.partition, offset: record.offset, error: String(res.error) });
    this.dlq.push(deadLetterRecord(record, res.error, res.attempts));
    this.dlqCounter.inc();
    return 'dead-lettered';
  }

  private run(records: InputRecord[]): Promise<void> {
    return this.runFrom(records, 0).then((r) => {
      if (r.failed) throw r.error;
    });
  }

  /**
   * Runs records[from..] through the pipeline. A failure raised while record i was being pushed
   * (an operator that threw synchronously, as plain RxJS operators do) names record i: every
   * record before it went all the way through.
   */
  private runFrom(records: InputRecord[], from: number): Promise<{ failed: false } | { failed: true; error: unknown; at: number | undefined }> {
    return new Promise((resolve) => {
      let pushing = -1;
      const source = new Observable<InputRecord>((sub) => {
        for (let i = from; i < records.length && !sub.closed; i++) {
          pushing = i;
          this.recordGen++;
          this.trackedAtRecord = this.tracked.length;
          sub.next(records[i]!);
          pushing = -1;
        }
        sub.complete();
      });
      source.pipe(this.op).subscribe({
        error: (error) => resolve({ failed: true, error, at: pushing >= 0 ? pushing : undefined }),
        complete: () => resolve({ failed: false }),
      });
    });
  }

  /** Drops what the record being pushed had buffered when it failed (another branch's sends, say). */
  private dropCurrentRecord(): void {
    for (const buf of this.sends.values()) if (buf.gen === this.recordGen) buf.records.length = buf.start;
    this.tracked.length = this.trackedAtRecord;
  }

  private discard(): void {
    this.sends = new Map();
    this.tracked = [];
  }

  /**
   * Processes one batch. An operator that throws fails the batch's run (an RxJS stream ends at
   * its first error). When the failure names its record (it was thrown while that record was
   * pushed), the records before it stand — their outputs and state changes are kept, as Kafka
   * Streams keeps what a record before a failed one did — the failed record alone goes to the
   * error policy (retried, then dead-lettered) with whatever it had produced dropped, and the
   * run goes on after it. Otherwise (an asynchronous failure, or a tracked effect that failed)
   * the batch's buffered outputs are dropped and its records are run one by one.
   */
  async process(records: InputRecord[]): Promise<void> {
    await this.state.restoreAll();
    this.batch.set(records);
    this.plainCounts?.batch(records.length);
    try {
      for (let from = 0; ; ) {
        const res = await this.runFrom(records, from);
        if (!res.failed) break;
        if (isFatal(res.error) || res.at === undefined) throw res.error;
        this.dropCurrentRecord();
        await this.retryAlone(records[res.at]!, res.error);
        from = res.at + 1;
      }
      await Promise.all(this.tracked);
      await this.settle();
    } catch (batchError) {
      if (isFatal(batchError)) throw batchError;
      await this.settle().catch((err) => {
        if (isFatal(err)) throw err;
      });
      this.discard();
      for (const record of records) {
        const mark = this.mark();
        const attempt = async () => {
          this.rollback(mark);
          await this.run([record]);
          await Promise.all(this.tracked);
        };
        try {
          await attempt();
        } catch (err) {
          if (isFatal(err)) throw err;
          if ((await this.handleError(record, err, attempt)) === 'dead-lettered') this.rollback(mark);
        }
      }
      await this.settle();
    }
  }

  /** The error policy for a record that failed the batch's run: retried alone, then dead-lettered (or the app fails). */
  private async retryAlone(record: InputRecord, error: unknown): Promise<void> {
    const mark = this.mark();
    const attempt = async () => {
      this.rollback(mark);
      await this.run([record]);
    };
    if ((await this.handleError(record, error, attempt)) === 'dead-lettered') this.rollback(mark);
  }

  /** Waits for the error-policy decisions of the batch (a 'fail' rejects with PipelineFailedError). */
  private async settle(): Promise<void> {
    while (this.handling.length) {
      const all = this.handling.splice(0);
      await Promise.all(all);
    }
  }

  private mark(): { sends: Map<string, number>; tracked: number } {
    const sends = new Map<string, number>();
    for (const [t, b] of this.sends) sends.set(t, b.records.length);
    return { sends, tracked: this.tracked.length };
  }

  /** Drops what was buffered after `mark` (a failed attempt's outputs). */
  private rollback(mark: { sends: Map<string, number>; tracked: number }): void {
    for (const [t, b] of this.sends) b.records.length = mark.sends.get(t) ?? 0;
    this.tracked.length = mark.tracked;
  }

  /** Makes the batch's effects durable: commit hooks, then produced records, tracked effects and DLQ records. */
  async flush(): Promise<void> {
    // Commit hooks first (state stores flush here and produce their changelog records). Then the
    // batch's outputs, tracked effects and dead letters become durable, and only after them its
    // changelogs: state must never be durable ahead of the outputs it caused. A worker killed in
    // between would otherwise restore state that already holds the batch (stream time past its
    // windows, the windows it closed deleted) and replay the batch against it: the replayed
    // records would be late and the closed windows never emitted. The other way round, a replay
    // only repeats outputs, which at-least-once allows.
    for (const hook of this.commitHooks) await hook();
    const sends = this.sends;
    const tracked = this.tracked;
    const dlq = this.dlq;
    this.discard();
    this.dlq = [];
    const out: Promise<unknown>[] = [];
    const state: Array<[string, ProducerRecord[]]> = [];
    for (const [topic, { records }] of sends) {
      if (records.length === 0) continue;
      if (this.stateTopics.has(topic)) state.push([topic, records]);
      else out.push(this.producerFor(topic).send(topic, records));
      this.metrics.counter('sluice_records_out_total', 'records produced', { topic }).inc(records.length);
      this.plainCounts?.sent(topic, records.length);
    }
    out.push(...tracked);
    if (dlq.length) out.push(sendToDeadLetter(this.deps.producer, this.appId, dlq));
    await Promise.all(out);
    await Promise.all(state.map(([topic, records]) => this.deps.internalProducer.send(topic, records)));
  }

  private producerFor(topic: string): LogProducer {
    return this.internalTopics.has(topic) ? this.deps.internalProducer : this.deps.producer;
  }

  async close(): Promise<void> {
    for (const hook of this.closeHooks) {
      try {
        await hook();
      } catch (err) {
        this.logger.warn('task close hook failed', { task: this.taskId, error: String(err) });
      }
    }
  }
}
