/**
 * The log a test runs against: the embedded client, or — when SLUICE_TEST_CLIENT=kafka (the
 * "kafka" vitest project) — the KafkaClient over kafkajs talking to a `sluice broker` started in
 * this process. Tests write their assertions once; `engine` is the log underneath either way (the
 * broker's engine for Kafka), for reading results back without a client.
 */
import { startBroker } from '../../core/broker/index.js';
import { embedded, type EmbeddedClient } from '../../core/client/embedded/client.js';
import { kafka } from '../../core/client/kafka/index.js';
import type { LogClient } from '../../core/client/types.js';
import type { LogEngine, LogRecord } from '../../core/log/types.js';
import { onCleanup } from './cleanup.js';

export const clientKind: 'embedded' | 'kafka' = process.env.SLUICE_TEST_CLIENT === 'kafka' ? 'kafka' : 'embedded';

export interface TestLog {
  client: LogClient;
  engine: LogEngine;
  /** Another client on the same log (a second app, or the same app after a restart). */
  connect(): LogClient;
  /** For child processes: how to reach this log (`--brokers` address or data dir). */
  brokers: string | null;
}

/** A log in memory, or in `dataDir` when given (which must then outlive the test's clients). */
export async function testLog(opts: { dataDir?: string } = {}): Promise<TestLog> {
  if (clientKind === 'kafka') {
    const broker = await startBroker({ port: 0, dataDir: opts.dataDir, autoCreateTopics: false, defaultPartitions: 1 });
    onCleanup(() => broker.close());
    const connect = () => kafka({ brokers: [broker.address], clientId: 'sluice-test', logLevel: 'nothing' });
    return { client: connect(), engine: broker.engine, connect, brokers: broker.address };
  }
  const client = embedded(opts.dataDir ? { dataDir: opts.dataDir, maintenanceIntervalMs: 0 } : { memory: true, maintenanceIntervalMs: 0 });
  const { engine } = await (client as EmbeddedClient).deps();
  return { client, engine, connect: () => embedded(engine), brokers: null };
}

/** Every record of a topic, read from the log itself. */
export async function readTopic(engine: LogEngine, topic: string): Promise<Array<LogRecord & { partition: number }>> {
  const out: Array<LogRecord & { partition: number }> = [];
  for (let p = 0; p < engine.partitionCount(topic); p++) {
    out.push(...(await engine.readRecords(topic, p, 0, 1 << 26)).records.map((r) => ({ ...r, partition: p })));
  }
  return out;
}
