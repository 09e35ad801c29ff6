/**
 * An App runs pipelines (tasks over input partitions), sources and sinks over one LogClient, with
 * at-least-once commits, an error policy, graceful shutdown and metrics.
 *
 *   const a = app({ id: 'etl', log: embedded('./data') });
 *   a.addPipeline(def);            // or the DSL's a.stream(...).pipe(...)
 *   a.addSource('in', source, { topic: 'raw' });
 *   a.addSink('out', sink, { topics: ['clean'] });
 *   await a.start();  …  await a.stop();
 */
import type http from 'node:http';
import { mergeMap, toArray } from 'rxjs';
import { z } from 'zod';
import type { LogClient, LogProducer } from '../client/types.js';
import type { Logger } from '../log/types.js';
import type { InputRecord, PipelineDefinition, Sink, SinkRecord, Source } from './contracts.js';
import { deadLetterRecord, dlqTopic, sendToDeadLetter } from './dead-letter.js';
import { AppConfigError, AppStoppedError, ConnectorStateError, CopartitioningError, PipelineFailedError, SinkTargetUnavailableError, UnknownConnectorError } from './errors.js';
import type { ConnectorInfo, ConnectorMeta, PipelineInfo, StoreInfo } from './app-info.js';
import { errorPolicySchema, sleep, withRetries, type ErrorPolicy } from './error-policy.js';
import { groupOptionsSchema } from './group-options.js';
import { APP_BRAND, trackApp } from './app-brand.js';
import { createLogger } from './logger.js';
import { MetricsRegistry } from './metrics.js';
import { parseOptions } from './parse-options.js';
import { serverAddress, startMetricsServer } from './metrics-server.js';
import { PipelineRunner } from './pipeline-runner.js';
import { ensureSourceOffsetsTopic, readSourceOffsets, sourceOffsetsTopic } from './source-offsets.js';
import { SourceRunner } from './source-runner.js';
import type { Transform } from './transform.js';
import { describePipelines, type TopologyDescription } from './topology-description.js';

const idSchema = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,200}$/, 'an app id may use ASCII letters, digits, ".", "_" and "-" (it prefixes topic names)');

export const appOptionsSchema = z.object({
  id: idSchema,
  log: z.custom<LogClient>((v) => typeof v === 'object' && v !== null && typeof (v as LogClient).consumer === 'function', 'log must be a LogClient, e.g. embedded("./data")'),
  errors: errorPolicySchema.default({}),
  batch: z
    .object({
      maxRecords: z.number().int().min(1).default(10_000).describe('records per poll over all of a pipeline\'s partitions'),
      maxWaitMs: z.number().int().min(0).default(200).describe('how long a poll waits for data'),
      maxBytesPerPartition: z.number().int().min(1024).default(1024 * 1024).describe('bytes fetched per partition per poll'),
    })
    .default({}),
  /** Partitions of output and internal topics created by the app when their count is not known. */
  defaultPartitions: z.number().int().min(1).default(1),
  /**
   * A source record for a topic that does not exist (a Route transform's target): true creates the
   * topic with defaultPartitions partitions, as Kafka Connect's topic creation does; false sends the
   * record to the dead-letter topic with the reason.
   */
  autoCreateTopics: z.boolean().default(true),
  shutdownTimeoutMs: z.number().int().min(0).default(30_000),
  /** A task with several inputs waits this long for an input that may have more data before processing without it. */
  maxTaskIdleMs: z.number().int().min(0).default(500),
  /** Consumer-group membership of the app's workers (Kafka's session, heartbeat and rebalance timeouts). */
  group: groupOptionsSchema.default({}),
  metricsPort: z.number().int().min(0).max(65535).optional(),
  metricsHost: z.string().default('127.0.0.1'),
  logger: z.custom<Logger>().optional(),
  /**
   * What a connector whose task fails (a source's poll that throws, a sink's write that still
   * fails under onFailure 'fail') stops. 'app': the app fails, and a supervisor restarts the
   * process. 'connector': as a Kafka Connect worker, the connector alone is FAILED (with its trace
   * in the management API's status), the rest runs on, and a restart starts it again from its
   * committed offsets. `sluice connect` runs with 'connector'.
   */
  connectorFailure: z.enum(['app', 'connector']).default('app'),
});

export type AppOptions = z.input<typeof appOptionsSchema>;

export class App {
  /** The brand `isApp` checks: an App from any copy of the package is recognised. */
  readonly [APP_BRAND] = true;
  readonly id: string;
  readonly client: LogClient;
  readonly logger: Logger;
  readonly metrics = new MetricsRegistry();
  readonly done: Promise<void>;
  private readonly opts: z.output<typeof appOptionsSchema>;
  /** `copartitioned` as given to addPipeline; else the definition's, read at start (a DSL definition grows until then). */
  private readonly pipelines: Array<{ def: PipelineDefinition; policy: ErrorPolicy; copartitioned: boolean | undefined; mergeInputs: boolean }> = [];
  private readonly sources: Array<{ name: string; source: Source; topic: string | undefined; transforms: Transform[]; meta: ConnectorMeta }> = [];
  /**
   * Each sink with the signal its context carries (aborted when the app stops) and whether its
   * start() was called: stop() is called then even if start() threw, to release what a start that
   * failed half-way opened (as Kafka Connect stops a sink task whose start threw).
   */
  private readonly sinks: Array<{ name: string; sink: Sink; abort: AbortController; started: boolean; topics: string[]; meta: ConnectorMeta }> = [];
  /** What runs: only what started is stopped. */
  private runners: PipelineRunner[] = [];
  private sourceRunners: SourceRunner[] = [];
  private producer?: LogProducer;
  /** Writes the app's own internal topics (changelogs, repartition topics, source offsets): see core/log/internal-topics.ts. */
  private internalProducer?: LogProducer;
  private releaseInternal?: () => Promise<void>;
  private server?: http.Server;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  /** Connectors whose task failed (connectorFailure 'connector'), with the failure's trace, until restarted. */
  private readonly failedConnectors = new Map<string, string>();
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  /** A failure (or a stop) that came while start() was still running: start() stops and throws it. */
  private startInterrupt?: unknown;
  private starting?: Promise<void>;
  private shuttingDown?: Promise<void>;
  /** Aborted when the app begins to stop: a sink write waiting for its target to come back gives up. */
  private readonly stopRequested = new AbortController();

  constructor(options: AppOptions) {
    this.opts = parseOptions(appOptionsSchema, options, 'app');
    this.id = this.opts.id;
    this.client = this.opts.log;
    this.logger = this.opts.logger ?? createLogger({ name: this.id });
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => {});
    trackApp(this);
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * A pipeline: its tasks run `def.build`'s operator over their records, merged in timestamp order
   * across its inputs. `copartitioned` (default: the definition's, else true) requires its inputs
   * to have equal partition counts. The DSL (`app.stream(...).pipe(...)`, processors/) builds on this.
   */
  addPipeline(def: PipelineDefinition, opts: { errors?: Partial<ErrorPolicy>; copartitioned?: boolean } = {}): void {
    this.register(def, errorPolicySchema.parse({ ...this.opts.errors, ...opts.errors }), opts.copartitioned, true);
  }

  private register(def: PipelineDefinition, policy: ErrorPolicy, copartitioned: boolean | undefined, mergeInputs: boolean): void {
    if (this.state !== 'new') throw new AppConfigError('pipelines must be added before start()');
    if (this.pipelines.some((p) => p.def.name === def.name)) throw new AppConfigError(`a pipeline named "${def.name}" already exists in app "${this.id}"`);
    if (!/^[a-zA-Z0-9._-]+$/.test(def.name)) throw new AppConfigError(`pipeline name "${def.name}" may use only ASCII letters, digits, ".", "_" and "-"`);
    if (def.inputs.length === 0) throw new AppConfigError(`pipeline "${def.name}" has no input topic`);
    this.pipelines.push({ def, policy, copartitioned, mergeInputs });
  }

  /**
   * What the app runs, as Kafka Streams' TopologyDescription: a sub-topology per pipeline (the
   * DSL's with their sources, processors, stores and sinks; a sink connector's as its source and
   * one processor), their repartition and changelog topics. `String(app.describe())` prints it as
   * Kafka Streams does.
   */
  describe(): TopologyDescription {
    return describePipelines(this.pipelines.map((p) => p.def));
  }

  /** `topic`: where records without their own topic go; a source that names every record's topic (postgres-cdc) needs none. */
  addSource(name: string, source: Source, opts: { topic?: string; transforms?: Transform[] } & ConnectorMeta = {}): void {
    if (this.state !== 'new') throw new AppConfigError('sources must be added before start()');
    if (this.sources.some((s) => s.name === name)) throw new AppConfigError(`a source named "${name}" already exists in app "${this.id}"`);
    this.sources.push({ name, source, topic: opts.topic, transforms: opts.transforms ?? [], meta: { plugin: opts.plugin, config: opts.config } });
  }

  /**
   * A sink runs as a pipeline over its topics: each batch goes to one write(), awaited before the
   * commit. A write that keeps failing is retried per the error policy, then its records are
   * dead-lettered (or the app fails) — except when the sink says its target is unavailable
   * (SinkTargetUnavailableError: a database restarting): that is no record's fault, so the batch is
   * written again until it succeeds; if the app stops meanwhile, it stays uncommitted, to be
   * written after the next start. Its topics may differ in partition count (a sink task reads
   * partition p of each topic that has one), and a task's batch holds the records of all of them.
   */
  addSink(name: string, sink: Sink, opts: { topics: string[]; transforms?: Transform[]; errors?: Partial<ErrorPolicy> } & ConnectorMeta): void {
    if (this.sinks.some((s) => s.name === name)) throw new AppConfigError(`a sink named "${name}" already exists in app "${this.id}"`);
    const transforms = opts.transforms ?? [];
    const policy = errorPolicySchema.parse({ ...this.opts.errors, ...opts.errors });
    const app = this;
    this.register(
      {
        name: `sink-${name}`,
        inputs: opts.topics,
        build: () => (source) =>
          source.pipe(
            toArray(),
            mergeMap(async (records: InputRecord[]) => {
              const batch: SinkRecord[] = [];
              for (const rec of records) {
                let r: SinkRecord | null = rec;
                for (const t of transforms) {
                  r = t(r);
                  if (!r) break;
                }
                if (r) batch.push(r);
              }
              if (batch.length === 0) return;
              const res = await withRetries(policy, () => sink.write(batch), app.stopRequested.signal, undefined, sleep, (error, attempts) => {
                if (!(error instanceof SinkTargetUnavailableError)) return false;
                app.logger.warn('sink target unavailable; writing the batch again until it is back', { sink: name, records: batch.length, attempts, error: error.message });
                return true;
              });
              // The app stops while the target is down: the batch is left uncommitted (a fatal error
              // is not dead-lettered record by record), to be written after the next start.
              if (res.error instanceof SinkTargetUnavailableError) throw new PipelineFailedError(`sink-${name}`, `a batch of ${batch.length} records (the app stopped while its target was unavailable)`, res.error);
              if (res.error === undefined) return void app.metrics.counter('sluice_sink_records_total', 'records written by sinks', { sink: name }).inc(batch.length);
              if (policy.onFailure === 'fail') throw new PipelineFailedError(`sink-${name}`, `a batch of ${batch.length} records`, res.error);
              app.logger.warn('sink batch dead-lettered', { sink: name, records: batch.length, error: String(res.error) });
              await sendToDeadLetter(app.producer!, app.id, batch.map((r) => deadLetterRecord(r, res.error, res.attempts)));
            }),
          ),
      },
      // The sink's write() retries under the policy; the records are not retried once more one by one.
      { ...policy, retries: 0 },
      false,
      false,
    );
    this.sinks.push({ name, sink, abort: new AbortController(), started: false, topics: opts.topics, meta: { plugin: opts.plugin, config: opts.config } });
  }

  /**
   * Creates the topics the app needs, starts the sinks, pipelines and sources. If anything fails
   * (a sink that cannot start, a topic that cannot be created, a pipeline that fails at once), what
   * already started is stopped, the client is closed (the data directory's lock released) and
   * start() rejects with the error: a process that cannot run exits instead of hanging.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new AppConfigError(`app "${this.id}" was already started`);
    this.state = 'starting';
    this.starting = this.startAll();
    try {
      await this.starting;
      this.checkStart();
    } catch (err) {
      const stopped = err instanceof AppStoppedError;
      if (!stopped) this.logger.error('app failed to start', { app: this.id, error: err instanceof Error ? err.message : String(err) });
      await this.shutdown();
      if (stopped) this.settle.resolve();
      else this.settle.reject(err);
      throw err;
    }
    this.state = 'running';
    this.logger.info('app started', { app: this.id, pipelines: this.pipelines.map((p) => p.def.name), sources: this.sources.map((s) => s.name) });
  }

  /** Throws what interrupted the start (a failure, or stop()) once the step in flight is done. */
  private checkStart(): void {
    if (this.startInterrupt !== undefined) throw this.startInterrupt;
  }

  private async startAll(): Promise<void> {
    await this.client.connect();
    const admin = this.client.admin();
    this.producer = this.client.producer();
    this.internalProducer = this.client.producer({ owner: this.id });
    // Topics the app writes to exist before anything runs.
    await admin.createTopic(dlqTopic(this.id), { partitions: 1 });
    if (this.sources.length) await ensureSourceOffsetsTopic(this.client, this.id);
    for (const s of this.sources) if (s.topic !== undefined) await admin.createTopic(s.topic, { partitions: this.opts.defaultPartitions });
    const existing = new Set(await admin.listTopics());
    for (const { def, copartitioned: given } of this.pipelines) {
      const copartitioned = given ?? def.copartitioned ?? true;
      const counts: Array<[string, number]> = [];
      for (const t of def.inputs) {
        if (!existing.has(t)) {
          await admin.createTopic(t, { partitions: this.opts.defaultPartitions });
          existing.add(t);
        }
        counts.push([t, (await admin.describeTopic(t)).partitions.length]);
      }
      if (copartitioned) {
        for (const [t, n] of counts) if (n !== counts[0]![1]) throw new CopartitioningError(counts[0]![0], counts[0]![1], t, n);
      }
      // As many tasks as the largest input has partitions; topics keyed by task get that many.
      const partitions = Math.max(...counts.map(([, n]) => n));
      for (const it of def.internalTopics ?? []) {
        if (!existing.has(it.name)) await admin.createTopic(it.name, { partitions: it.partitions === 'inputs' ? partitions : it.partitions, config: it.config });
        existing.add(it.name);
      }
      for (const out of def.outputs ?? []) {
        if (!existing.has(out)) await admin.createTopic(out, { partitions });
        existing.add(out);
      }
    }
    // While the app runs, its internal topics take no client's appends and cannot be deleted.
    this.releaseInternal = await this.client.claimInternalTopics(this.id, this.internalTopicNames());
    this.checkStart();
    if (this.opts.metricsPort !== undefined) await this.startMetricsServer();
    const fatal = (err: unknown) => void this.fail(err);
    for (const s of this.sinks) {
      this.checkStart();
      s.started = true;
      await s.sink.start(this.connectorContext(s.name, s.abort.signal));
    }
    for (const p of this.pipelines) {
      this.checkStart();
      const sink = this.sinks.find((s) => `sink-${s.name}` === p.def.name);
      this.runners.push(this.startRunner(p, sink ? this.connectorFatal(sink.name) : fatal));
    }
    for (const s of this.sources) {
      this.checkStart();
      await this.startSource(s, this.connectorFatal(s.name));
    }
  }

  private startRunner({ def, policy, mergeInputs }: (typeof this.pipelines)[number], fatal: (err: unknown) => void): PipelineRunner {
    const runner = new PipelineRunner(def, {
      mergeInputs,
      maxTaskIdleMs: this.opts.maxTaskIdleMs,
      appId: this.id,
      client: this.client,
      producer: this.producer!,
      internalProducer: this.internalProducer!,
      logger: this.logger,
      metrics: this.metrics,
      policy,
      maxRecords: this.opts.batch.maxRecords,
      maxWaitMs: this.opts.batch.maxWaitMs,
      maxBytesPerPartition: this.opts.batch.maxBytesPerPartition,
      group: this.opts.group,
    });
    runner.start(fatal);
    return runner;
  }

  private async startSource(s: (typeof this.sources)[number], fatal: (err: unknown) => void): Promise<SourceRunner> {
    const runner = new SourceRunner(s.source, {
      appId: this.id,
      name: s.name,
      topic: s.topic,
      transforms: s.transforms,
      client: this.client,
      producer: this.producer!,
      internalProducer: this.internalProducer!,
      logger: this.logger,
      metrics: this.metrics,
      autoCreateTopics: this.opts.autoCreateTopics,
      defaultPartitions: this.opts.defaultPartitions,
    });
    this.sourceRunners.push(runner);
    await runner.start(fatal);
    return runner;
  }

  /** The topics only this app writes: its source offsets, its pipelines' changelogs and repartition topics. */
  private internalTopicNames(): string[] {
    const names = this.pipelines.flatMap(({ def }) => (def.internalTopics ?? []).map((t) => t.name));
    if (this.sources.length) names.push(sourceOffsetsTopic(this.id));
    return names;
  }

  private connectorContext(name: string, signal: AbortSignal) {
    const producer = this.producer!;
    return {
      appId: this.id,
      name,
      logger: this.logger,
      metrics: this.metrics,
      client: this.client,
      signal,
      committedOffsets: () => readSourceOffsets(this.client, this.id, name, this.logger),
      deadLetter: async (record: SinkRecord, error: unknown, attempts: number) => {
        await producer.send(dlqTopic(this.id), [deadLetterRecord(record, error, attempts)]);
        this.metrics.counter('sluice_dlq_records_total', 'records written to the dead-letter topic', { pipeline: `sink-${name}` }).inc();
      },
    };
  }

  /** What a connector's task failure does (connectorFailure): fail the app, or mark the connector FAILED. */
  private connectorFatal(name: string): (err: unknown) => void {
    return (err) => {
      if (this.opts.connectorFailure === 'app' || this.state !== 'running') return void this.fail(err);
      this.failedConnectors.set(name, traceOf(err));
      this.logger.error('connector failed', { app: this.id, connector: name, error: err instanceof Error ? err.message : String(err) });
    };
  }

  private async fail(err: unknown): Promise<void> {
    if (this.state === 'starting') {
      // start() is in the middle of a step: it stops everything and rejects once that step is done.
      this.startInterrupt ??= err;
      return;
    }
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.logger.error('app failed', { app: this.id, error: err instanceof Error ? err.message : String(err) });
    await this.shutdown().catch(() => {});
    this.settle.reject(err);
  }

  /**
   * Graceful stop: sources stop polling and finish their batch in flight, pipelines finish and
   * commit theirs, sinks stop, the client closes. During start(), the start stops after its step in
   * flight (start() then rejects with AppStoppedError) and stop() resolves when everything is closed.
   */
  async stop(): Promise<void> {
    if (this.state === 'starting') {
      this.startInterrupt ??= new AppStoppedError(this.id);
      await this.starting?.catch(() => {});
    }
    if (this.state === 'stopped' || this.state === 'stopping') {
      await this.shuttingDown;
      return this.done.catch(() => {});
    }
    await this.shutdown();
    this.settle.resolve();
  }

  /** Stops what started, once (start's failure, a fatal error and stop() may all ask). */
  private shutdown(): Promise<void> {
    this.shuttingDown ??= this.closeAll();
    return this.shuttingDown;
  }

  private async closeAll(): Promise<void> {
    this.state = 'stopping';
    this.stopRequested.abort();
    const warn = (what: string) => (e: unknown) => this.logger.warn(`${what} failed`, { app: this.id, error: e instanceof Error ? e.message : String(e) });
    const abortSinks = () => {
      for (const s of this.sinks) s.abort.abort();
    };
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.opts.shutdownTimeoutMs).unref());
    const graceful = (async () => {
      await Promise.all(this.sourceRunners.map((r) => r.stop().catch(warn('source stop'))));
      await Promise.all(this.runners.map((r) => r.stop().catch(warn('pipeline stop'))));
      // The pipelines have finished their writes: now the sinks may cancel whatever is left.
      abortSinks();
      await Promise.all(this.sinks.filter((s) => s.started).map((s) => s.sink.stop().catch(warn(`sink "${s.name}" stop`))));
    })();
    if ((await Promise.race([graceful, timeout])) === 'timeout') {
      this.logger.warn('shutdown timed out; closing anyway', { app: this.id, timeoutMs: this.opts.shutdownTimeoutMs });
      abortSinks();
    }
    const server = this.server;
    if (server) {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
    await this.releaseInternal?.().catch(() => {});
    await this.client.close().catch(warn('closing the log client'));
    this.state = 'stopped';
    this.logger.info('app stopped', { app: this.id });
  }

  /**
   * Resolves once every source has been idle for `ms` and every pipeline has committed up to the
   * end of its inputs (for `--exit-when-idle`).
   */
  async idle(ms: number): Promise<void> {
    for (;;) {
      // While starting (a Kafka client may take a while to join), wait for it; otherwise only a running app can be idle.
      if (this.state === 'starting') {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (this.state !== 'running') return;
      const now = Date.now();
      const last = Math.max(0, ...this.sourceRunners.map((r) => r.lastActivity), ...this.runners.map((r) => r.lastActivity));
      const sourcesQuiet = this.sourceRunners.every((r) => !r.busy);
      if (now - last >= ms && sourcesQuiet && (await Promise.all(this.runners.map((r) => r.caughtUp()))).every(Boolean)) return;
      await new Promise((r) => setTimeout(r, Math.max(50, Math.min(ms / 4, 500))));
    }
  }

  /** SIGINT/SIGTERM stop the app gracefully and exit 0; a second signal exits at once. */
  handleSignals(): void {
    let signalled = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) {
        process.stderr.write(`\nsecond ${sig}: exiting now\n`);
        process.exit(sig === 'SIGINT' ? 130 : 143);
      }
      signalled = true;
      this.logger.info('stopping on signal', { signal: sig });
      const hard = setTimeout(() => process.exit(1), this.opts.shutdownTimeoutMs + 1000);
      hard.unref();
      void this.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  /** The app's pipelines as the worker runs them (sinks excluded: they are connectors). */
  pipelineInfo(): PipelineInfo[] {
    const sinks = new Set(this.sinks.map((s) => `sink-${s.name}`));
    return this.pipelines
      .filter((p) => !sinks.has(p.def.name))
      .map(({ def }) => ({
        name: def.name,
        groupId: `${this.id}.${def.name}`,
        inputs: [...def.inputs],
        outputs: [...(def.outputs ?? [])],
        internalTopics: (def.internalTopics ?? []).map((t) => t.name),
      }));
  }

  /**
   * The queryable state stores of the tasks running in this process, one per store and partition
   * (Kafka Streams' KafkaStreams#store over local stores): what a store holds is read through its
   * query facet, so the worker stays free of the DSL's store classes.
   */
  storeInfo(): StoreInfo[] {
    const out: StoreInfo[] = [];
    for (const r of this.runners) {
      for (const t of r.activeTasks) {
        for (const s of t.state.registered) {
          if (s.query) out.push({ name: s.name, kind: s.query.kind, pipeline: r.def.name, partition: t.partition, changelog: s.changelog, query: s.query });
        }
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.partition - b.partition));
  }

  /** Sources and sinks with their state (Kafka Connect's connector status; a FAILED one with its trace). */
  connectorInfo(): ConnectorInfo[] {
    const state = (name: string, paused: boolean | undefined): Pick<ConnectorInfo, 'state' | 'trace'> => {
      const trace = this.failedConnectors.get(name);
      if (this.state === 'running' && trace !== undefined) return { state: 'FAILED', trace };
      return { state: this.state === 'running' ? (paused ? 'PAUSED' : 'RUNNING') : this.state === 'stopped' || this.state === 'stopping' ? 'STOPPED' : 'UNASSIGNED' };
    };
    return [
      ...this.sources.map((s) => ({
        name: s.name,
        type: 'source' as const,
        ...s.meta,
        topics: s.topic === undefined ? [] : [s.topic],
        ...state(s.name, this.sourceRunners.find((r) => r.name === s.name)?.paused),
      })),
      ...this.sinks.map((s) => ({ name: s.name, type: 'sink' as const, ...s.meta, topics: [...s.topics], groupId: `${this.id}.sink-${s.name}`, ...state(s.name, this.sinkRunner(s.name)?.paused) })),
    ];
  }

  private sinkRunner(name: string): PipelineRunner | undefined {
    return this.runners.find((r) => r.def.name === `sink-${name}`);
  }

  private connectorControl(name: string): { pause(): void; resume(): void; paused: boolean } {
    const known = [...this.sources.map((s) => s.name), ...this.sinks.map((s) => s.name)];
    if (!known.includes(name)) throw new UnknownConnectorError(name, known);
    if (this.state !== 'running') throw new ConnectorStateError(name, `its app is ${this.state}, not running`);
    const control = this.sourceRunners.find((r) => r.name === name) ?? this.sinkRunner(name);
    if (!control) throw new ConnectorStateError(name, 'it is not running');
    return control;
  }

  /** Kafka Connect's pause: a source stops polling, a sink stops fetching, after the batch in flight. */
  pauseConnector(name: string): void {
    this.connectorControl(name).pause();
    this.logger.info('connector paused', { connector: name });
  }

  resumeConnector(name: string): void {
    this.connectorControl(name).resume();
    this.logger.info('connector resumed', { connector: name });
  }

  /**
   * Kafka Connect's restart: the connector is stopped (its batch in flight finished and committed)
   * and started again from its committed offsets; a paused connector stays paused.
   */
  async restartConnector(name: string): Promise<void> {
    const paused = (this.connectorControl(name) as { paused: boolean }).paused;
    const fatal = this.connectorFatal(name);
    // A FAILED connector's runner has stopped working; stop() below closes what it holds.
    this.failedConnectors.delete(name);
    const source = this.sources.find((s) => s.name === name);
    if (source) {
      const i = this.sourceRunners.findIndex((r) => r.name === name);
      const [old] = this.sourceRunners.splice(i, 1);
      await old!.stop();
      const runner = await this.startSource(source, fatal);
      if (paused) runner.pause();
    } else {
      const sink = this.sinks.find((s) => s.name === name)!;
      const i = this.runners.findIndex((r) => r.def.name === `sink-${name}`);
      const [old] = this.runners.splice(i, 1);
      await old!.stop();
      sink.abort.abort();
      await sink.sink.stop();
      sink.abort = new AbortController();
      await sink.sink.start(this.connectorContext(name, sink.abort.signal));
      const runner = this.startRunner(this.pipelines.find((p) => p.def.name === `sink-${name}`)!, fatal);
      if (paused) runner.pause();
      this.runners.push(runner);
    }
    this.logger.info('connector restarted', { connector: name });
  }

  /** A source's committed source offsets (Kafka Connect's GET /connectors/{name}/offsets). */
  sourceOffsets(name: string) {
    return readSourceOffsets(this.client, this.id, name, this.logger);
  }

  private async startMetricsServer(): Promise<void> {
    this.server = await startMetricsServer(this.opts.metricsPort!, this.opts.metricsHost, {
      render: () => this.metrics.render(),
      health: () => ({ up: this.state === 'running', body: { status: this.state === 'running' ? 'up' : this.state } }),
    });
  }

  /** The metrics server's port (after start, when metricsPort was set; 0 picks a free one). */
  get metricsAddress(): { host: string; port: number } | undefined {
    return serverAddress(this.server);
  }
}

export function app(options: AppOptions): App {
  return new App(options);
}

/** An error's stack with its causes', as a Java trace prints them ("Caused by: …"). */
function traceOf(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return String(err);
  const own = err.stack ?? `${err.name}: ${err.message}`;
  return err.cause !== undefined && depth < 5 ? `${own}\nCaused by: ${traceOf(err.cause, depth + 1)}` : own;
}
