/**
 * `startBroker()`: a Kafka-protocol TCP server over the embedded log, so kafkajs, librdkafka (kcat,
 * confluent-kafka) and kafka-python produce to, consume from and administer a Sluice log. One node:
 * it leads every partition, coordinates every group and is the controller.
 *
 * The engine and group coordinator are the ones an EmbeddedClient on the same data directory in
 * this process uses, so in-process consumers and network consumers share groups and commits.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidConfigError, SluiceError } from '../errors.js';
import { acquireEngine } from '../client/embedded/engines.js';
import { coordinatorFor } from '../groups/coordinator.js';
import type { FlushPolicy, LogEngine, Logger } from '../log/types.js';
import { silentLogger } from '../worker/logger.js';
import type { BrokerContext } from './api.js';
import './apis/index.js';
import { BrokerConnection, type BrokerStats } from './connection.js';

export const brokerOptionsSchema = z
  .object({
    host: z.string().default('127.0.0.1').describe('address to listen on'),
    port: z.number().int().min(0).max(65535).default(9092).describe('port to listen on; 0 picks a free one'),
    dataDir: z.string().optional().describe('data directory of the log; omit for an in-memory log'),
    advertisedHost: z.string().optional().describe('host clients are told to connect to (default: host, or 127.0.0.1 when host is 0.0.0.0)'),
    autoCreateTopics: z.boolean().default(true).describe('create a missing topic when a client asks Metadata for it'),
    defaultPartitions: z.number().int().min(1).default(1).describe('partitions of auto-created topics and of CreateTopics with −1'),
    users: z.record(z.string()).optional().describe('SASL/PLAIN users (name → password); when set, clients must authenticate'),
    maxRequestBytes: z.number().int().min(1024).default(100 * 1024 * 1024).describe("largest request accepted (Kafka's socket.request.max.bytes)"),
    nodeId: z.number().int().min(0).default(0),
  })
  .strict();

export type BrokerOptions = z.input<typeof brokerOptionsSchema> & {
  /** Use this engine instead of opening dataDir (tests, or an app that embeds the broker). */
  engine?: LogEngine;
  flush?: FlushPolicy;
  logger?: Logger;
};

export interface Broker {
  readonly host: string;
  readonly port: number;
  /** "host:port" for client configs. */
  readonly address: string;
  readonly engine: LogEngine;
  connections(): number;
  /** Requests read and connections refused since start. */
  stats(): Readonly<BrokerStats>;
  close(): Promise<void>;
}

/** The broker could not listen on its address (a port in use, an address not on this machine, no permission). */
export class ListenError extends SluiceError {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const why =
      cause.code === 'EADDRINUSE'
        ? 'the port is in use (another broker or process); choose another port'
        : cause.code === 'EADDRNOTAVAIL'
          ? 'the address is not one of this machine\'s'
          : cause.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : cause.message;
    super('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${why}`, { cause });
  }
}

export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const { engine: givenEngine, flush, logger = silentLogger, ...rest } = options;
  const parsed = brokerOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidConfigError(`broker option "${issue.path.join('.') || (issue as { keys?: string[] }).keys?.join(', ')}": ${issue.message}`);
  }
  const opts = parsed.data;
  // Listen first: a port in use must fail before the data directory is created or locked.
  const server = net.createServer();
  const early: net.Socket[] = [];
  const hold = (socket: net.Socket) => early.push(socket);
  server.on('connection', hold);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    throw new ListenError(opts.host, opts.port, err);
  });
  let acquired: ReturnType<typeof acquireEngine> | null = null;
  let engine: LogEngine;
  let coordinator: Awaited<ReturnType<typeof coordinatorFor>>;
  try {
    acquired = givenEngine ? null : acquireEngine(opts.dataDir ? { dataDir: opts.dataDir, flush, logger } : { memory: true, logger });
    engine = givenEngine ?? (await acquired!.engine);
    coordinator = await coordinatorFor(engine);
  } catch (err) {
    for (const socket of early) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await acquired?.release().catch(() => {});
    throw err;
  }
  const connections = new Set<BrokerConnection>();
  const stats: BrokerStats = { requests: 0, refused: 0, byKey: {} };
  const port = (server.address() as net.AddressInfo).port;
  const advertisedHost = opts.advertisedHost ?? (opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host);
  const ctx: BrokerContext = {
    engine,
    coordinator,
    logger,
    settings: {
      nodeId: opts.nodeId,
      advertisedHost,
      advertisedPort: port,
      autoCreateTopics: opts.autoCreateTopics,
      defaultPartitions: opts.defaultPartitions,
      users: opts.users ?? null,
      clusterId: `sluice-${randomUUID().slice(0, 8)}`,
    },
  };
  const accept = (socket: net.Socket) => void connections.add(new BrokerConnection(socket, ctx, opts.maxRequestBytes, (c) => connections.delete(c), stats));
  server.off('connection', hold);
  server.on('connection', accept);
  for (const socket of early.splice(0)) accept(socket);
  server.on('error', (err) => logger.error('broker: server error', { error: String(err) }));
  logger.info('broker: listening', { host: opts.host, port, dataDir: opts.dataDir ?? null, sasl: opts.users ? 'PLAIN' : 'off' });

  let closing: Promise<void> | null = null;
  return {
    host: advertisedHost,
    port,
    address: `${advertisedHost}:${port}`,
    engine,
    connections: () => connections.size,
    stats: () => stats,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of [...connections]) c.close();
        await closed;
        await acquired?.release();
      })();
      return closing;
    },
  };
}
