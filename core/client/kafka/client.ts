/**
 * KafkaClient: the LogClient over kafkajs, for Apache Kafka, Redpanda or `sluice broker`. What
 * changes for a pipeline moving off the embedded log is only this client: replication, many
 * machines and partition leadership become the cluster's job.
 *
 * What a user sees of kafkajs: its errors translated into Sluice's (./errors.ts), and its own log
 * lines only at SLUICE_LOG_LEVEL=debug (it logs an ERROR for a topic that already exists, and one
 * per retry of an unreachable broker). Connecting is bounded: an unreachable cluster is reported
 * after CONNECT_RETRY's few seconds instead of kafkajs's half a minute; once connected, operations
 * retry longer (OPERATION_RETRY) to ride out a broker restart.
 */
import { Kafka, logLevel, type Admin, type LogEntry, type Producer, type SASLOptions, type KafkaConfig } from 'kafkajs';
import { UnknownTopicError } from '../../errors.js';
import type { Logger } from '../../log/types.js';
import { createLogger } from '../../worker/logger.js';
import type { ConsumerOptions, LogAdmin, LogClient, LogConsumer, LogProducer, PartitionReader } from '../types.js';
import { KafkaAdmin } from './admin.js';
import { KafkaConsumerAdapter } from './consumer.js';
import { registerKafkajsCodecs } from './codecs.js';
import { kafkaCall } from './errors.js';
import { KafkaProducer } from './producer.js';
import { KafkaReader } from './reader.js';
import { kafkajsSecurity, type KafkaSecurity } from './security.js';

/**
 * kafkajs connects with its client-wide retry: about 6 s of attempts in all (250 ms doubling, at
 * most 2.5 s apart) before an unreachable cluster is reported.
 */
const CONNECT_RETRY = { retries: 5, initialRetryTime: 250, maxRetryTime: 2500 };
/** Operations on a connected cluster retry longer (each attempt reconnecting within CONNECT_RETRY): a broker restart takes a while. */
const OPERATION_RETRY = { retries: 8, initialRetryTime: 100 };

export interface KafkaClientOptions {
  brokers: string[];
  clientId?: string;
  /** SASL (PLAIN, SCRAM-SHA-256/512) and TLS, as the CLI flags and connect files give them (./security.ts). */
  security?: KafkaSecurity;
  /** kafkajs's own SASL options (used when `security` has no sasl). */
  sasl?: SASLOptions;
  /** kafkajs's own TLS options (used when `security` has no tls). */
  ssl?: KafkaConfig['ssl'];
  /** kafkajs's own log lines from this level up (default warn), written through `logger` at debug level. */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  /** Where kafkajs's log lines go (at debug level); default: Sluice's structured logger on stderr. */
  logger?: Logger;
}

const LEVELS = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG };

export class KafkaClient implements LogClient {
  readonly kind = 'kafka' as const;
  readonly kafka: Kafka;
  private adminP?: Promise<Admin>;
  private producerP?: Promise<Producer>;
  private readonly consumers = new Set<LogConsumer>();
  private readonly readers = new Set<KafkaReader>();
  private readonly partitionCounts = new Map<string, number>();
  private closed = false;

  /** Each topic's compression.type, looked up once a minute at most. */
  private readonly compressionTypes = new Map<string, { value: string; at: number }>();

  constructor(readonly options: KafkaClientOptions) {
    registerKafkajsCodecs();
    const security = kafkajsSecurity(options.security);
    const logger = options.logger ?? createLogger({ name: 'kafkajs' });
    this.kafka = new Kafka({
      brokers: options.brokers,
      clientId: options.clientId ?? 'sluice',
      sasl: security.sasl ?? options.sasl,
      ssl: security.ssl ?? options.ssl,
      logLevel: LEVELS[options.logLevel ?? 'warn'],
      logCreator: () => (entry: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...fields } = entry.log;
        logger.debug(`kafkajs ${entry.namespace}: ${message}`, fields);
      },
      retry: CONNECT_RETRY,
    });
  }

  private get ctx() {
    return { brokers: this.options.brokers };
  }

  private adminClient(): Promise<Admin> {
    this.adminP ??= kafkaCall({ ...this.ctx, what: 'connecting' }, async () => {
      const a = this.kafka.admin({ retry: OPERATION_RETRY });
      await a.connect();
      return a;
    });
    return this.adminP;
  }

  private producerClient(): Promise<Producer> {
    this.producerP ??= (async () => {
      // The admin connection first: an unreachable cluster is reported within CONNECT_RETRY.
      await this.adminClient();
      return kafkaCall({ ...this.ctx, what: 'connecting the producer' }, async () => {
        const p = this.kafka.producer({ allowAutoTopicCreation: false, retry: OPERATION_RETRY });
        await p.connect();
        return p;
      });
    })();
    return this.producerP;
  }

  /** Partition counts are cached; a topic's count does not change under Sluice. */
  private async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const admin = await this.adminClient();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => null);
    const n = meta?.topics[0]?.partitions.length ?? 0;
    if (n === 0) throw new UnknownTopicError(topic);
    this.partitionCounts.set(topic, n);
    return n;
  }

  /** The topic's compression.type (Kafka's names; "producer" when it cannot be read). */
  private async compressionType(topic: string): Promise<string> {
    const cached = this.compressionTypes.get(topic);
    if (cached && Date.now() - cached.at < 60_000) return cached.value;
    const admin = await this.adminClient();
    const res = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['compression.type'] }], includeSynonyms: false }).catch(() => null);
    const value = res?.resources[0]?.configEntries.find((e) => e.configName === 'compression.type')?.configValue ?? 'producer';
    this.compressionTypes.set(topic, { value, at: Date.now() });
    return value;
  }

  async connect(): Promise<void> {
    await this.adminClient();
  }

  admin(): LogAdmin {
    return new KafkaAdmin(() => this.adminClient(), this.options.brokers);
  }

  producer(): LogProducer {
    return new KafkaProducer(
      () => this.producerClient(),
      (t) => this.partitionCount(t),
      this.options.brokers,
      (t) => this.compressionType(t),
    );
  }

  /** Kafka has no notion of an application's internal topics (Kafka Streams' are plain topics): nothing to claim. */
  async claimInternalTopics(): Promise<() => Promise<void>> {
    return async () => {};
  }

  consumer(opts: ConsumerOptions): LogConsumer {
    const c = new KafkaConsumerAdapter(this.kafka, () => this.adminClient(), { clientId: this.options.clientId, ...opts }, this.options.brokers);
    this.consumers.add(c);
    return c;
  }

  reader(): PartitionReader {
    const r = new KafkaReader(this.kafka, () => this.adminClient(), this.options.brokers);
    this.readers.add(r);
    return r;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close().catch(() => {})));
    await Promise.all([...this.readers].map((r) => r.close().catch(() => {})));
    // A client that never connected (an unreachable cluster) has nothing to disconnect.
    await this.producerP?.then((p) => p.disconnect()).catch(() => {});
    await this.adminP?.then((a) => a.disconnect()).catch(() => {});
  }
}

/** A LogClient on a Kafka cluster (or `sluice broker`): `kafka({ brokers: ['localhost:9092'] })`. */
export function kafka(options: KafkaClientOptions): KafkaClient {
  return new KafkaClient(options);
}
