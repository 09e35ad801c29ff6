/**
 * Runs a source connector (Kafka Connect's WorkerSourceTask): poll → transforms → produce →
 * await durable → store the source offsets → source.commit(offsets). A source offset is never
 * stored, nor acknowledged to the source, before its records are durable in the log. One batch is
 * in flight at a time, so a source cannot run ahead of the log.
 *
 * A record for a topic that does not exist (a Route transform picks topics from values) creates it
 * with the app's default partitions, as Kafka Connect's topic creation does, or — with topic
 * creation off, or a name no log accepts — goes to the dead-letter topic with the reason: either
 * way the source flows on instead of stopping the app on every restart.
 */
import type { LogClient, LogProducer, ProducerRecord } from '../client/types.js';
import { InvalidTopicError, UnknownTopicError } from '../errors.js';
import type { Logger } from '../log/types.js';
import type { ConnectorContext, Source, SourceOffset, SourceRecord } from './contracts.js';
import { deadLetterRecord, dlqTopic, sendToDeadLetter } from './dead-letter.js';
import type { MetricsRegistry } from './metrics.js';
import { readSourceOffsets, writeSourceOffsets } from './source-offsets.js';
import { AppConfigError } from './errors.js';
import type { Transform } from './transform.js';

export interface SourceRunnerOptions {
  appId: string;
  name: string;
  /** Where records without a topic of their own go (none: every record must name one). */
  topic: string | undefined;
  transforms: Transform[];
  client: LogClient;
  producer: LogProducer;
  /** Writes the source offsets (an internal topic of the app). */
  internalProducer: LogProducer;
  logger: Logger;
  metrics: MetricsRegistry;
  /** Create a topic a record names that does not exist (else dead-letter the record). */
  autoCreateTopics: boolean;
  /** Partitions of a topic created that way. */
  defaultPartitions: number;
}

export class SourceRunner {
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  /** Time of the last non-empty poll. */
  lastActivity = Date.now();
  /** True while polled records are not yet durable and committed. */
  busy = false;
  /** Whether the source's start() was called (then stop() is called too, even if start() threw). */
  private started = false;
  /** Topics known to exist (the source's own topic was created at start). */
  private readonly topics = new Set<string>();
  /** Set while paused (Kafka Connect's pause: the task stops polling); resolving it resumes. */
  private pausedUntil?: { promise: Promise<void>; resume: () => void };

  constructor(
    private readonly source: Source,
    private readonly opts: SourceRunnerOptions,
  ) {}

  get name(): string {
    return this.opts.name;
  }

  context(): ConnectorContext {
    const o = this.opts;
    return {
      appId: o.appId,
      name: o.name,
      logger: o.logger,
      metrics: o.metrics,
      client: o.client,
      signal: this.abort.signal,
      committedOffsets: () => readSourceOffsets(o.client, o.appId, o.name, o.logger),
      deadLetter: async (record, error, attempts) => {
        await o.producer.send(dlqTopic(o.appId), [deadLetterRecord(record, error, attempts)]);
      },
    };
  }

  async start(onFatal: (err: unknown) => void): Promise<void> {
    if (this.opts.topic !== undefined) this.topics.add(this.opts.topic);
    this.started = true;
    await this.source.start(this.context());
    this.loop = this.run().catch((err) => {
      if (!this.abort.signal.aborted) onFatal(err);
    });
  }

  private async run(): Promise<void> {
    const o = this.opts;
    const out = o.metrics.counter('sluice_source_records_total', 'records produced by sources', { connector: o.name });
    while (!this.abort.signal.aborted) {
      if (this.pausedUntil) {
        await this.pausedUntil.promise;
        continue;
      }
      const polled = await this.source.poll();
      if (polled.length === 0) continue;
      this.busy = true;
      this.lastActivity = Date.now();
      const byTopic = new Map<string, ProducerRecord[]>();
      const offsets = new Map<string, SourceOffset>();
      for (const rec of polled) {
        offsets.set(rec.sourcePartition, rec.sourceOffset);
        let r: SourceRecord | null = rec;
        for (const t of o.transforms) {
          r = t(r) as SourceRecord | null;
          if (!r) break;
        }
        if (!r) continue;
        const topic = r.topic ?? o.topic;
        if (topic === undefined) throw new AppConfigError(`source "${o.name}" produced a record without a topic, and no topic is configured for it`);
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, partition: r.partition });
      }
      const dead: ProducerRecord[] = [];
      for (const [topic, recs] of byTopic) {
        const reason = await this.unwritable(topic);
        if (reason === null) continue;
        byTopic.delete(topic);
        o.logger.warn('source records dead-lettered', { connector: o.name, topic, records: recs.length, error: reason.message });
        for (const r of recs) dead.push(deadLetterRecord({ ...r, offset: -1, topic, partition: r.partition ?? -1 }, reason, 1));
      }
      await Promise.all([...byTopic].map(([topic, recs]) => o.producer.send(topic, recs)));
      if (dead.length) {
        await sendToDeadLetter(o.producer, o.appId, dead);
        o.metrics.counter('sluice_dlq_records_total', 'records written to the dead-letter topic', { pipeline: `source-${o.name}` }).inc(dead.length);
      }
      out.inc(polled.length);
      await writeSourceOffsets(o.internalProducer, o.appId, o.name, offsets);
      await this.source.commit(offsets);
      this.busy = false;
    }
  }

  /** Null when records can be sent to `topic` (it exists, or was just created); else why not. */
  private async unwritable(topic: string): Promise<Error | null> {
    if (this.topics.has(topic)) return null;
    const o = this.opts;
    const admin = o.client.admin();
    try {
      if (o.autoCreateTopics) {
        if (await admin.createTopic(topic, { partitions: o.defaultPartitions })) o.logger.info('created topic', { connector: o.name, topic, partitions: o.defaultPartitions });
      } else if (!(await admin.listTopics()).includes(topic)) {
        return new UnknownTopicError(topic);
      }
    } catch (err) {
      // A name no log accepts: that is the record's fault, not the app's.
      if (err instanceof InvalidTopicError) return err;
      throw err;
    }
    this.topics.add(topic);
    return null;
  }

  get paused(): boolean {
    return this.pausedUntil !== undefined;
  }

  /** Stops polling after the batch in flight (which is still written and committed). */
  pause(): void {
    if (this.pausedUntil) return;
    let resume!: () => void;
    const promise = new Promise<void>((r) => (resume = r));
    this.pausedUntil = { promise, resume };
  }

  resume(): void {
    const p = this.pausedUntil;
    this.pausedUntil = undefined;
    p?.resume();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.pausedUntil?.resume();
    await this.loop;
    if (this.started) await this.source.stop();
  }
}
