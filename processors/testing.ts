/**
 * TestDriver, like Kafka Streams' TopologyTestDriver: runs an app's pipelines on records you pipe
 * in, with no worker, no files and no network. It runs the very PipelineDefinitions the worker
 * runs (same build(), same operators), one task per pipeline (partition 0), one batch per
 * pipeInput() call, and routes produced records to the pipelines that read them (repartition
 * topics included) until nothing is left to do.
 *
 *   const driver = new TestDriver((app) => app.stream('in').pipe(groupByKey((r) => r.value.user), count(), to('out')));
 *   await driver.pipeInput('in', [{ key: 'a', value: { user: 'u1' }, timestamp: 1000 }]);
 *   driver.output('out');   // [{ key: 'u1', value: 1, timestamp: 1000, ... }]
 */
import { from } from 'rxjs';
import { embedded } from '../core/client/embedded/client.js';
import { jsonOrText, type Serde } from '../core/serde/serde.js';
import type { LogClient, ProducerRecord } from '../core/client/types.js';
import type { InputRecord, PipelineDefinition, TaskContext } from '../core/worker/contracts.js';
import { BatchRecords } from '../core/worker/batch-records.js';
import { deadLetterRecord } from '../core/worker/dead-letter.js';
import { silentLogger } from '../core/worker/logger.js';
import { MetricsRegistry } from '../core/worker/metrics.js';
import { StateManager, type RestorableStore } from '../core/worker/state-manager.js';
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

const toBytes = (v: unknown): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v)));


class DriverTask implements TaskContext {
  readonly taskId: string;
  readonly partition = 0;
  readonly logger = silentLogger;
  sends: Array<[string, ProducerRecord[]]> = [];
  tracked: Promise<unknown>[] = [];
  readonly commitHooks: Array<() => Promise<void>> = [];
  readonly closeHooks: Array<() => Promise<void>> = [];
  readonly op;
  /** The batch being run: a failed record is dead-lettered with its bytes. */
  readonly batch = new BatchRecords();
  /** The task's stores, restored (from the driver's own log) before its first batch. */
  readonly state: StateManager;

  constructor(
    readonly appId: string,
    def: PipelineDefinition,
    readonly client: LogClient,
    readonly metrics: MetricsRegistry,
    private readonly deadLetters: InputRecord[][],
  ) {
    this.taskId = `${def.name}-0`;
    this.state = new StateManager({ client, taskId: this.taskId, partition: 0, logger: silentLogger, metrics });
    this.op = def.build(this);
  }

  send(topic: string, records: ProducerRecord[]): void {
    this.sends.push([topic, records]);
  }
  track(p: Promise<unknown>): void {
    this.tracked.push(p);
  }
  onCommit(h: () => Promise<void>): void {
    this.commitHooks.push(h);
  }
  onClose(h: () => Promise<void>): void {
    this.closeHooks.push(h);
  }
  registerStore(store: RestorableStore): void {
    this.state.register(store);
  }
  restore(): Promise<void> {
    return this.state.restoreAll();
  }
  async handleError(failed: InputRecord, error: unknown): Promise<'dead-lettered'> {
    const record = this.batch.resolve(failed);
    // No retries in the driver: a failing record goes straight to the dead-letter topic.
    const r = deadLetterRecord(record, error, 1);
    this.deadLetters.push([{ ...record, key: toBytesOrNull(r.key), value: toBytesOrNull(r.value), headers: bufferHeaders(r.headers) }]);
    return 'dead-lettered';
  }
}

function toBytesOrNull(v: ProducerRecord['key']): Buffer | null {
  return v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
}

function bufferHeaders(h: ProducerRecord['headers']): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Buffer.isBuffer(v) ? v : Buffer.from(v);
  return out;
}

export class TestDriver implements AppLike {
  readonly id: string;
  readonly metrics = new MetricsRegistry();
  private readonly defs: PipelineDefinition[] = [];
  private readonly topics = new Map<string, InputRecord[]>();
  private readonly tasks: DriverTask[] = [];
  private readonly client = embedded({ memory: true, maintenanceIntervalMs: 0 });
  private ready?: Promise<void>;
  private clock = 0;

  /**
   * `setup` builds the app's pipelines on the driver (`(app) => app.stream(...).pipe(...)`, the
   * same code you run on a real App), or hands over PipelineDefinitions built elsewhere.
   */
  constructor(setup: ((app: TestDriver) => void) | PipelineDefinition[], opts: { appId?: string } = {}) {
    this.id = opts.appId ?? 'test-app';
    if (typeof setup === 'function') setup(this);
    else for (const def of setup) this.addPipeline(def);
  }

  addPipeline(def: PipelineDefinition): void {
    this.defs.push(def);
  }

  /** Same as App.stream: the DSL entry point. */
  stream<K = unknown, V = unknown>(topic: string | string[], opts: StreamOptions<K, V> = {}): KStream<K, V> {
    return streamOf<K, V>(this, topic, opts);
  }

  /** Same as App.table. */
  table<K = unknown, V = unknown>(topic: string, opts: TableOptions<K, V> = {}): KTable<K, V> {
    return tableOf<K, V>(topic, opts, this);
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      const admin = this.client.admin();
      for (const def of this.defs) for (const t of def.internalTopics ?? []) await admin.createTopic(t.name, { partitions: 1, config: t.config });
      // Inputs exist too (empty): a table's topic is read when its task opens.
      for (const def of this.defs) for (const t of def.inputs) await admin.createTopic(t, { partitions: 1 });
      for (const def of this.defs) this.tasks.push(new DriverTask(this.id, def, this.client, this.metrics, this.dlq));
    })();
    return this.ready;
  }

  private readonly dlq: InputRecord[][] = [];

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

  /** Feeds one record (or several) into a topic; the same as pipeInput. */
  input(topic: string, records: TestRecord | TestRecord[], serdes?: InputSerdes): Promise<void> {
    return this.pipeInput(topic, records, serdes);
  }

  /**
   * Feeds records into a topic as one batch (keys and values JSON-serialized unless Buffers) and
   * runs everything they cause: the pipelines reading the topic, then those reading what they
   * produced (repartition topics, outputs read by other pipelines), until nothing is left.
   * `serdes` serialize the keys and values (as the topic's producers would, e.g. `{ key: string() }`).
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
        const copies = batch.map((r) => ({ ...r }));
        await task.state.restoreAll();
        task.batch.set(copies);
        await new Promise<void>((resolve, reject) => from(copies).pipe(task.op).subscribe({ error: reject, complete: resolve }));
        await Promise.all(task.tracked);
        task.tracked = [];
        for (const h of task.commitHooks) await h();
        const sends = task.sends;
        task.sends = [];
        const produced = new Map<string, InputRecord[]>();
        for (const [to, recs] of sends) {
          const list = produced.get(to) ?? [];
          for (const r of recs) list.push({ topic: to, partition: 0, offset: 0, key: toBytesOrNull(r.key), value: toBytesOrNull(r.value), timestamp: r.timestamp ?? this.clock, headers: bufferHeaders(r.headers) });
          produced.set(to, list);
        }
        for (const [to, recs] of produced) {
          this.append(to, recs);
          queue.push([to, recs]);
        }
      }
      for (const d of this.dlq.splice(0)) this.append(`${this.id}.dlq`, d);
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
    for (const t of this.tasks) for (const h of t.closeHooks) await h();
    await this.client.close();
  }
}
