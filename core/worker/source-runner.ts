/**
 * Runs a source connector (Kafka Connect's WorkerSourceTask): poll → transforms → produce →
 * await durable → store the source offsets → source.commit(offsets). A source offset is never
 * stored, nor acknowledged to the source, before its records are durable in the log. One batch is
 * in flight at a time, so a source cannot run ahead of the log.
 */
import type { LogClient, LogProducer, ProducerRecord } from '../client/types.js';
import type { Logger } from '../log/types.js';
import type { ConnectorContext, Source, SourceOffset, SourceRecord } from './contracts.js';
import { dlqTopic } from './dead-letter.js';
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
}

export class SourceRunner {
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  /** Time of the last non-empty poll. */
  lastActivity = Date.now();
  /** True while polled records are not yet durable and committed. */
  busy = false;

  constructor(
    private readonly source: Source,
    private readonly opts: SourceRunnerOptions,
  ) {}

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
        const { deadLetterRecord } = await import('./dead-letter.js');
        await o.producer.send(dlqTopic(o.appId), [deadLetterRecord(record, error, attempts)]);
      },
    };
  }

  async start(onFatal: (err: unknown) => void): Promise<void> {
    await this.source.start(this.context());
    this.loop = this.run().catch((err) => {
      if (!this.abort.signal.aborted) onFatal(err);
    });
  }

  private async run(): Promise<void> {
    const o = this.opts;
    const out = o.metrics.counter('sluice_source_records_total', 'records produced by sources', { connector: o.name });
    while (!this.abort.signal.aborted) {
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
      await Promise.all([...byTopic].map(([topic, recs]) => o.producer.send(topic, recs)));
      out.inc(polled.length);
      await writeSourceOffsets(o.internalProducer, o.appId, o.name, offsets);
      await this.source.commit(offsets);
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.source.stop();
  }
}
