/**
 * TestDriver, like Kafka Streams' TopologyTestDriver: runs an app's pipelines on records you pipe
 * in, with no worker loop, no files and no network. Each pipeline gets one task (partition 0) and
 * that task is the worker's own Task (core/worker/task.ts): the same error policy and retries,
 * the same dead letters, the same order of effects at the end of a batch (commit hooks, then
 * outputs and dead letters, then changelogs) — only its output is in memory and its clock is the
 * driver's (a retry's backoff does not make a test wait; records piped without a timestamp, and
 * records produced without one, get the driver's time). One pipeInput() call is one batch; what
 * a batch produces to a topic that a pipeline reads (repartition topics, outputs read by other
 * pipelines) runs next, until nothing is left.
 *
 *   const driver = new TestDriver((app) => app.stream('in').pipe(groupByKey((r) => r.value.user), count(), to('out')));
 *   await driver.pipeInput('in', [{ key: 'a', value: { user: 'u1' }, timestamp: 1000 }]);
 *   driver.output('out');   // [{ key: 'u1', value: 1, timestamp: 1000, ... }]
 */
import { embedded } from '../core/client/embedded/client.js';
import { jsonOrText, type Serde } from '../core/serde/serde.js';
import type { LogProducer, ProducerRecord, RecordMetadata } from '../core/client/types.js';
import type { InputRecord, PipelineDefinition } from '../core/worker/contracts.js';
import { errorPolicySchema, type ErrorPolicy } from '../core/worker/error-policy.js';
import { silentLogger } from '../core/worker/logger.js';
import { MetricsRegistry } from '../core/worker/metrics.js';
import { Task } from '../core/worker/task.js';
import { describePipelines, type TopologyDescription } from '../core/worker/topology-description.js';
import { storeEntries, storeNames } from './stores/registry.js';
import { streamOf, type AppLike, type KStream, type StreamOptions } from './stream.js';
import { tableOf, type KTable, type TableOptions } from './table.js';

export interface TestRecord {
  key?: unknown;
  value: unknown;
  timestamp?: number;
  headers?: Record<string, string | Buffer>;
}

/** How piped keys and values become bytes (default: JSON, Buffers as they are). */
export interface InputSerdes {
  key?: Pick<Serde<never>, 'serialize'>;
  value?: Pick<Serde<never>, 'serialize'>;
}

export interface OutputRecord {
  key: unknown;
  value: unknown;
  timestamp: number;
  headers: Record<string, Buffer>;
  offset: number;
}

export interface TestDriverOptions {
  appId?: string;
  /** The pipelines' error policy, as App's `errors` (default: the same as an App's). */
  errors?: Partial<ErrorPolicy>;
}

const toBytes = (v: unknown): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v)));

function toBytesOrNull(v: ProducerRecord['key']): Buffer | null {
  return v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
}

function bufferHeaders(h: ProducerRecord['headers']): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Buffer.isBuffer(v) ? v : Buffer.from(v);
  return out;
}

/** The driver's topics: what tasks produce is appended here (and reported to the driver to route). */
class MemoryOutput implements LogProducer {
  constructor(
    private readonly append: (topic: string, records: InputRecord[]) => void,
    private readonly now: () => number,
  ) {}

  async send(topic: string, records: ProducerRecord[]): Promise<RecordMetadata[]> {
    const now = this.now();
    const recs = records.map((r) => ({ topic, partition: 0, offset: 0, key: toBytesOrNull(r.key), value: toBytesOrNull(r.value), timestamp: r.timestamp ?? now, headers: bufferHeaders(r.headers) }));
    this.append(topic, recs);
    const base = recs.length ? recs[0]!.offset : 0;
    return [{ topic, partition: 0, baseOffset: base, lastOffset: base + recs.length - 1 }];
  }

  async close(): Promise<void> {}
}

export class TestDriver implements AppLike {
  readonly id: string;
  readonly metrics = new MetricsRegistry();
  private readonly defs: PipelineDefinition[] = [];
  private readonly topics = new Map<string, InputRecord[]>();
  private readonly tasks: Task[] = [];
  private readonly client = embedded({ memory: true, maintenanceIntervalMs: 0 });
  private readonly policy: ErrorPolicy;
  private readonly abort = new AbortController();
  private readonly output$ = new MemoryOutput(
    (topic, records) => this.produced(topic, records),
    () => this.clock,
  );
  /** Records produced during the batch being run, routed once it is flushed. */
  private pending: Array<[string, InputRecord[]]> = [];
  private ready?: Promise<void>;
  private clock = 0;

  /**
   * `setup` builds the app's pipelines on the driver (`(app) => app.stream(...).pipe(...)`, the
   * same code you run on a real App), or hands over PipelineDefinitions built elsewhere.
   */
  constructor(setup: ((app: TestDriver) => void) | PipelineDefinition[], opts: TestDriverOptions = {}) {
    this.id = opts.appId ?? 'test-app';
    this.policy = errorPolicySchema.parse(opts.errors ?? {});
    if (typeof setup === 'function') setup(this);
    else for (const def of setup) this.addPipeline(def);
  }

  addPipeline(def: PipelineDefinition): void {
    if (this.ready) throw new Error('pipelines must be added before the first pipeInput()');
    this.defs.push(def);
  }

  /** Same as App.stream: the DSL entry point. */
  stream<K = unknown, V = unknown>(topic: string | string[], opts: StreamOptions<K, V> = {}): KStream<K, V> {
    return streamOf<K, V>(this, topic, opts);
  }

  /** Same as App.table. */
  table<K = unknown, V = unknown>(topic: string, opts: TableOptions<K, V> = {}): KTable<K, V> {
    return tableOf<K, V>(this, topic, opts);
  }

  /** Same as App.describe: the topology as Kafka Streams describes it. */
  describe(): TopologyDescription {
    return describePipelines(this.defs);
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      const admin = this.client.admin();
      for (const def of this.defs) for (const t of def.internalTopics ?? []) await admin.createTopic(t.name, { partitions: 1, config: t.config });
      // Inputs exist too (empty): a table's topic is read when its task opens.
      for (const def of this.defs) for (const t of def.inputs) await admin.createTopic(t, { partitions: 1 });
      for (const def of this.defs) {
        this.tasks.push(
          new Task(def, 0, {
            appId: this.id,
            client: this.client,
            producer: this.output$,
            internalProducer: this.output$,
            logger: silentLogger,
            metrics: this.metrics,
            policy: this.policy,
            signal: this.abort.signal,
            // Time passes in a driver only when the test says so.
            sleep: async () => {},
          }),
        );
      }
    })();
    return this.ready;
  }

  private append(topic: string, records: InputRecord[]): void {
    let list = this.topics.get(topic);
    if (!list) this.topics.set(topic, (list = []));
    for (const r of records) {
      r.offset = list.length;
      r.topic = topic;
      r.partition = 0;
      list.push(r);
    }
  }

  private produced(topic: string, records: InputRecord[]): void {
    this.append(topic, records);
    this.pending.push([topic, records]);
  }

  /** Feeds one record (or several) into a topic; the same as pipeInput. */
  input(topic: string, records: TestRecord | TestRecord[], serdes?: InputSerdes): Promise<void> {
    return this.pipeInput(topic, records, serdes);
  }

  /**
   * Feeds records into a topic as one batch (keys and values JSON-serialized unless Buffers) and
   * runs everything they cause: the pipelines reading the topic, then those reading what they
   * produced (repartition topics, outputs read by other pipelines), until nothing is left.
   * `serdes` serialize the keys and values (as the topic's producers would, e.g. `{ key: string() }`).
   * Rejects as the app would fail: with the PipelineFailedError of a record that failed under
   * `onFailure: 'fail'`.
   */
  async pipeInput(topic: string, recordOrRecords: TestRecord | TestRecord[], serdes: InputSerdes = {}): Promise<void> {
    const records = Array.isArray(recordOrRecords) ? recordOrRecords : [recordOrRecords];
    const keyBytes = (k: unknown) => (serdes.key && k !== null && k !== undefined && !Buffer.isBuffer(k) ? serdes.key.serialize(k as never) : toBytes(k));
    const valueBytes = (v: unknown) => (serdes.value && v !== null && v !== undefined && !Buffer.isBuffer(v) ? serdes.value.serialize(v as never) : toBytes(v));
    await this.init();
    const input: InputRecord[] = records.map((r) => {
      this.clock = Math.max(this.clock, r.timestamp ?? this.clock);
      return { topic, partition: 0, offset: 0, key: keyBytes(r.key), value: valueBytes(r.value), timestamp: r.timestamp ?? this.clock, headers: bufferHeaders(r.headers) };
    });
    this.append(topic, input);
    const queue: Array<[string, InputRecord[]]> = [[topic, input]];
    while (queue.length) {
      const [t, batch] = queue.shift()!;
      for (let i = 0; i < this.defs.length; i++) {
        if (!this.defs[i]!.inputs.includes(t)) continue;
        const task = this.tasks[i]!;
        // The worker hands a task records it will not see again; each task gets its own copies.
        await task.process(batch.map((r) => ({ ...r })));
        await task.flush();
        queue.push(...this.pending.splice(0));
      }
    }
  }

  /**
   * Advances the driver's clock: records piped without a timestamp get the clock's time (as
   * Kafka Streams' TestInputTopic does), so a test can step event time forward by wall-clock
   * steps. Stream time itself only moves with records, as in Kafka Streams.
   */
  advanceTime(ms: number): void {
    this.clock += ms;
  }

  /** The driver's clock (the timestamp of records piped without one). */
  get now(): number {
    return this.clock;
  }

  /** Everything produced to a topic so far, keys and values parsed as JSON where they are JSON. */
  output(topic: string): OutputRecord[] {
    return (this.topics.get(topic) ?? []).map((r) => ({ key: jsonOrText(r.key), value: jsonOrText(r.value), timestamp: r.timestamp, headers: r.headers, offset: r.offset }));
  }

  /** The contents of a state store by name (see storeNames()). */
  store(name: string): Array<[unknown, unknown]> {
    for (const t of this.tasks) {
      const e = storeEntries(t, name);
      if (e) return e;
    }
    throw new Error(`no store named "${name}" (stores: ${this.storeNames().join(', ') || 'none'})`);
  }

  storeNames(): string[] {
    return this.tasks.flatMap((t) => storeNames(t));
  }

  async close(): Promise<void> {
    this.abort.abort();
    for (const t of this.tasks) await t.close();
    await this.client.close();
  }
}
