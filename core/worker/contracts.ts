/**
 * The seams between the worker and what it runs: pipelines (the DSL builds them) and connectors
 * (sources and sinks). The worker owns fetching, batching, error policy, commits and shutdown;
 * what is behind these interfaces never commits anything itself.
 */
import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { LogRecord, Logger } from '../log/types.js';
import type { LogClient, ProducerRecord } from '../client/types.js';
import type { SubtopologyNodes } from './topology-description.js';
import type { RestorableStore } from './state-manager.js';

export type { RestorableStore };

/** A record as a pipeline sees it: where it came from, plus the stored record. */
export interface InputRecord extends LogRecord {
  topic: string;
  partition: number;
}

export interface Metrics {
  counter(name: string, help: string, labels?: Record<string, string>): { inc(by?: number): void };
  gauge(name: string, help: string, labels?: Record<string, string>): { set(value: number): void };
  histogram(name: string, help: string, labels?: Record<string, string>): { observe(value: number): void };
}

/**
 * What a task offers the code it runs. A task = one input partition number p across the input
 * topics of a pipeline: partition p of every input that has one (inputs may differ in partition
 * count unless the pipeline needs them co-partitioned; it then has max(partitions) tasks).
 */
export interface TaskContext {
  readonly appId: string;
  /** "<pipeline>-<partition>", stable across restarts and workers. */
  readonly taskId: string;
  readonly partition: number;
  readonly client: LogClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Produces records; the worker awaits their durable acknowledgement before it commits the batch
   * that caused them. Without an explicit partition the default partitioner picks one. The
   * records are taken from the array during the call: a caller may reuse the array afterwards.
   */
  send(topic: string, records: ProducerRecord[]): void;
  /** Any other effect that must be durable before the batch's offsets are committed. */
  track(effect: Promise<unknown>): void;
  /** Runs before every commit of this task, after the batch completed (state stores flush here). */
  onCommit(hook: () => Promise<void>): void;
  /** Runs when the task closes (its partition moved away or the app stops). */
  onClose(hook: () => Promise<void>): void;
  /**
   * Registers a state store with the task's state manager (while the pipeline is built for the
   * task): before the task's first batch the store is rebuilt from its changelog partition.
   */
  registerStore(store: RestorableStore): void;
  /**
   * Hands a record that failed to the pipeline's error policy (retry, then dead-letter or fail).
   * Operators that call user code per record use this so one poison record does not fail the batch.
   * Resolves when the policy is done: 'retry-ok' when a retry of `attempt` succeeded, 'dead-lettered', or rejects on 'fail'.
   */
  handleError(record: InputRecord, error: unknown, attempt?: () => unknown): Promise<'retry-ok' | 'dead-lettered'>;
}

export interface InternalTopicSpec {
  name: string;
  /** 'inputs' = as many partitions as the pipeline has tasks (its largest input's count). */
  partitions: number | 'inputs';
  config?: Record<string, string | number>;
}

/**
 * A pipeline as the worker runs it. build() runs once per task and returns the operator every
 * batch of that task goes through: the worker subscribes to `from(batchRecords).pipe(op)` and the
 * batch is done when that completes. State kept in build()'s closure lives as long as the task.
 */
export interface PipelineDefinition {
  name: string;
  /** Input topics. */
  inputs: string[];
  /**
   * Whether the inputs must have equal partition counts (checked at start): a task that joins or
   * looks up records of one input by the key of another needs a key in partition p of each.
   * Default true. A stream that only reads several topics sets false (Kafka Streams' rule): its
   * inputs may differ, tasks are max(partitions), task p reads partition p of each that has one.
   */
  copartitioned?: boolean;
  internalTopics?: InternalTopicSpec[];
  /** Topics that must exist before start (outputs), created with as many partitions as the pipeline has tasks if missing. */
  outputs?: string[];
  build(ctx: TaskContext): OperatorFunction<InputRecord, unknown>;
  /**
   * The pipeline's code reads input records by field only (never spreads, JSON-serializes or
   * clones one): the worker may then hand it records whose key, value and timestamp are decoded
   * from the batch's bytes when read (LogClient ConsumerOptions.lazyRecords). The DSL sets it.
   */
  lazyRecords?: boolean;
  /**
   * Its nodes for `app.describe()` (the DSL describes its sub-topologies); without it the
   * pipeline is described as a source of its inputs and one processor named after it.
   */
  describe?(): SubtopologyNodes;
}

// ---------------------------------------------------------------------------------------------
// Connectors (Kafka Connect's contracts, Redpanda Connect's declarative spec)

/** JSON-serialisable source position (a byte position, an LSN, ...). */
export type SourceOffset = string | number | boolean | null | { [k: string]: SourceOffset } | SourceOffset[];

export interface SourceRecord extends ProducerRecord {
  /** Target topic; defaults to the source's configured topic (required when the source has none). */
  topic?: string;
  /** Which stream of the source this came from (a file path, a replication slot, ...). */
  sourcePartition: string;
  /** The position after this record: resuming from it never re-reads it. */
  sourceOffset: SourceOffset;
}

export interface SinkRecord extends InputRecord {}

export interface ConnectorContext {
  appId: string;
  /** The connector's instance name (unique within the app). */
  name: string;
  logger: Logger;
  metrics: Metrics;
  client: LogClient;
  /** Cancelled when the connector must stop. */
  signal: AbortSignal;
  /** For sources: the last committed offsets per source partition (from the app's offsets topic). */
  committedOffsets(): Promise<Map<string, SourceOffset>>;
  /** For sinks: where a record that cannot be written after the last retry goes. */
  deadLetter(record: SinkRecord, error: unknown, attempts: number): Promise<void>;
}

export interface Source {
  start(ctx: ConnectorContext): Promise<void>;
  /** Next records; may wait (honouring ctx.signal) and return [] when idle. */
  poll(): Promise<SourceRecord[]>;
  /** Called only after these offsets' records are durable in the log and the offsets are stored. */
  commit(offsets: Map<string, SourceOffset>): Promise<void>;
  stop(): Promise<void>;
}

export interface Sink {
  start(ctx: ConnectorContext): Promise<void>;
  /** Resolves only when the records are durable in the target. */
  write(records: SinkRecord[]): Promise<void>;
  stop(): Promise<void>;
}

export interface ConnectorDefinition<S extends z.ZodTypeAny = z.ZodTypeAny> {
  name: string;
  kind: 'source' | 'sink';
  /**
   * For a source that names the topic of every record itself (postgres-cdc): where its records go,
   * said to a user who gave it a `topic` anyway. Such a source takes no `topic`.
   */
  ownTopics?: string;
  description: string;
  config: S;
  create(config: z.output<S>): Source | Sink;
}
