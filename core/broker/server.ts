/**
 * `startBroker()`: a Kafka-protocol TCP server over the embedded log, so kafkajs, librdkafka (kcat,
 * confluent-kafka) and kafka-python produce to, consume from and administer a Sluice log. One node:
 * it leads every partition, coordinates every group and is the controller.
 *
 * The engine and group coordinator are the ones an EmbeddedClient on the same data directory in
 * this process uses, so in-process consumers and network consumers share groups and commits.
 *
 * Limits (Kafka's names in the option descriptions): connections in total and per client address
 * are capped at accept, idle connections are closed, request memory is budgeted across
 * connections, and before authentication a request may be only 512 KB (connection.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidConfigError } from '../errors.js';
import { acquireEngine } from '../client/embedded/engines.js';
import { coordinatorFor } from '../groups/coordinator.js';
import type { FlushPolicy, LogEngine, Logger } from '../log/types.js';
import { silentLogger } from '../worker/logger.js';
import type { BrokerContext } from './api.js';
import './apis/index.js';
import { BrokerConnection, type BrokerStats } from './connection.js';
import { FetchSessions } from './fetch-sessions.js';
import { ProducerIds } from './producer-ids.js';
import { LogLimiter } from '../worker/log-limiter.js';
import { RequestMemory } from './request-memory.js';
import { credentialsFromEntry, SCRAM_MECHANISMS, type UserCredentials } from './scram.js';

const MiB = 1024 * 1024;

function userCredentials(name: string, entry: string): UserCredentials {
  try {
    return credentialsFromEntry(entry);
  } catch (err) {
    throw new InvalidConfigError(`broker option "users.${name}": ${(err as Error).message}`);
  }
}

/** PLAIN, and each SCRAM mechanism every user has a credential for. */
function saslMechanisms(users: ReadonlyMap<string, UserCredentials>): string[] {
  return ['PLAIN', ...SCRAM_MECHANISMS.filter((m) => [...users.values()].every((c) => c[m]))];
}

function secureContext(o: { cert: string; key: string; ca?: string }): tls.SecureContext {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new InvalidConfigError(`broker option "tls.${what}": cannot read ${file}: ${(err as Error).message}`);
    }
  };
  try {
    return tls.createSecureContext({ cert: read(o.cert, 'cert'), key: read(o.key, 'key'), ...(o.ca ? { ca: read(o.ca, 'ca') } : {}) });
  } catch (err) {
    if (err instanceof InvalidConfigError) throw err;
    throw new InvalidConfigError(`broker option "tls": the certificate and key do not load: ${(err as Error).message}`);
  }
}

export const brokerOptionsSchema = z
  .object({
    host: z.string().default('127.0.0.1').describe('address to listen on (0.0.0.0 or :: for every interface: set users then)'),
    port: z.number().int().min(0).max(65535).default(9092).describe('port to listen on; 0 picks a free one'),
    dataDir: z.string().optional().describe('data directory of the log; omit for an in-memory log'),
    advertisedHost: z.string().optional().describe('host clients are told to connect to (default: host, or 127.0.0.1 when host is 0.0.0.0)'),
    autoCreateTopics: z.boolean().default(true).describe('create a missing topic when a client asks Metadata for it'),
    defaultPartitions: z.number().int().min(1).default(1).describe('partitions of auto-created topics and of CreateTopics with −1'),
    users: z
      .record(z.string())
      .optional()
      .describe('SASL users (name → password, or stored credentials "SCRAM-SHA-256:…;SCRAM-SHA-512:…" from `sluice broker hash-user`); when set, clients must authenticate with PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. Passwords are salted and hashed at start and not kept'),
    tls: z
      .object({
        cert: z.string().describe('PEM file of the broker certificate (and its chain)'),
        key: z.string().describe('PEM file of its private key'),
        ca: z.string().optional().describe('PEM file of the CA client certificates must be signed by; when set, clients must present one (mutual TLS)'),
      })
      .strict()
      .optional()
      .describe('serve TLS on the port instead of plaintext (the SSL / SASL_SSL listener of Kafka)'),
    maxRequestBytes: z.number().int().min(1024).default(100 * MiB).describe("largest request accepted (Kafka's socket.request.max.bytes)"),
    maxPreAuthBytes: z.number().int().min(1024).default(512 * 1024).describe("largest request before SASL authentication (Kafka's sasl.server.max.receive.size)"),
    maxQueuedRequestBytes: z.number().int().min(1024).default(512 * MiB).describe("request bytes held in memory over all connections; past it connections wait (Kafka's queued.max.request.bytes)"),
    maxConnections: z.number().int().min(1).default(1000).describe("connections at once; more are closed at accept (Kafka's max.connections)"),
    maxConnectionsPerIp: z.number().int().min(1).default(250).describe("connections at once from one client address (Kafka's max.connections.per.ip)"),
    connectionsMaxIdleMs: z.number().int().min(1).default(600_000).describe("a connection with no traffic for this long is closed (Kafka's connections.max.idle.ms)"),
    failedAuthenticationDelayMs: z.number().int().min(0).default(100).describe("a failed login is answered after this delay, then the connection closes (Kafka's connection.failed.authentication.delay.ms)"),
    fetchMaxBytes: z.number().int().min(1024).default(55 * MiB).describe("most record bytes in one Fetch response, whatever the client asks (Kafka's fetch.max.bytes)"),
    offsetMetadataMaxBytes: z.number().int().min(0).default(4096).describe("largest metadata of a committed offset (Kafka's offset.metadata.max.bytes)"),
    offsetsRetentionMinutes: z.number().int().min(1).default(7 * 24 * 60).describe("offsets of a group without members expire this long after their commit (Kafka's offsets.retention.minutes)"),
    maxPartitions: z.number().int().min(1).optional().describe('most partitions over all topics of the log (a CreateTopics past it gets INVALID_PARTITIONS); default 20 000'),
    repair: z.boolean().default(false).describe('open a damaged log anyway, cutting corrupt segments and accepting missing ones (logged)'),
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
  /** The host clients are told to connect to. */
  readonly host: string;
  readonly port: number;
  /** "host:port" for client configs (the advertised host). */
  readonly address: string;
  /** "host:port" the server is bound to (0.0.0.0 means every interface). */
  readonly listenAddress: string;
  readonly engine: LogEngine;
  connections(): number;
  /** Requests read and connections refused since start. */
  stats(): Readonly<BrokerStats>;
  close(): Promise<void>;
}

/** Whether `host` binds only the loopback interface (nobody else can connect). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const { engine: givenEngine, flush, logger = silentLogger, ...rest } = options;
  const parsed = brokerOptionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidConfigError(`broker option "${issue.path.join('.') || (issue as { keys?: string[] }).keys?.join(', ')}": ${issue.message}`);
  }
  const opts = parsed.data;
  if (opts.maxQueuedRequestBytes < opts.maxRequestBytes) {
    throw new InvalidConfigError(`broker option "maxQueuedRequestBytes" (${opts.maxQueuedRequestBytes}) must be at least maxRequestBytes (${opts.maxRequestBytes})`);
  }
  const engineOptions = { logger, maxPartitions: opts.maxPartitions, repair: opts.repair };
  const acquired = givenEngine ? null : acquireEngine(opts.dataDir ? { dataDir: opts.dataDir, flush, ...engineOptions } : { memory: true, ...engineOptions });
  const engine = givenEngine ?? (await acquired!.engine);
  const coordinator = await coordinatorFor(engine);
  coordinator.configure({ offsetMetadataMaxBytes: opts.offsetMetadataMaxBytes, offsetsRetentionMs: opts.offsetsRetentionMinutes * 60_000 });

  const credentials = opts.users ? new Map(Object.entries(opts.users).map(([name, entry]) => [name, userCredentials(name, entry)])) : null;
  const tlsContext = opts.tls ? secureContext(opts.tls) : null;
  const server = net.createServer();
  const connections = new Set<BrokerConnection>();
  const perIp = new Map<string, number>();
  const stats: BrokerStats = { requests: 0, refused: 0, byKey: {}, byVersion: {}, rejectedConnections: 0, idleClosed: 0, authFailures: 0 };
  const memory = new RequestMemory(opts.maxQueuedRequestBytes);
  const rejections = new LogLimiter(logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (err) => {
    await acquired?.release();
    throw err;
  });
  const port = (server.address() as net.AddressInfo).port;
  const advertisedHost = opts.advertisedHost ?? (opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host);
  const ctx: BrokerContext = {
    engine,
    coordinator,
    logger,
    authFailures: new LogLimiter(logger),
    settings: {
      nodeId: opts.nodeId,
      advertisedHost,
      advertisedPort: port,
      autoCreateTopics: opts.autoCreateTopics,
      defaultPartitions: opts.defaultPartitions,
      users: credentials,
      saslMechanisms: credentials ? saslMechanisms(credentials) : [],
      securityProtocol: `${credentials ? 'SASL_' : ''}${tlsContext ? 'SSL' : 'PLAINTEXT'}`,
      clusterId: `sluice-${randomUUID().slice(0, 8)}`,
      dataDir: opts.dataDir ?? null,
      maxRequestBytes: opts.maxRequestBytes,
      fetchMaxBytes: opts.fetchMaxBytes,
    },
    fetchSessions: new FetchSessions(),
    producerIds: new ProducerIds(engine.dataDir),
  };
  const limits = {
    maxRequestBytes: opts.maxRequestBytes,
    maxPreAuthBytes: opts.users ? opts.maxPreAuthBytes : opts.maxRequestBytes,
    idleMs: opts.connectionsMaxIdleMs,
    failedAuthDelayMs: opts.failedAuthenticationDelayMs,
  };
  server.on('connection', (raw) => {
    const socket = tlsContext ? new tls.TLSSocket(raw, { isServer: true, secureContext: tlsContext, requestCert: !!opts.tls!.ca, rejectUnauthorized: !!opts.tls!.ca }) : raw;
    const ip = socket.remoteAddress ?? '';
    const fromIp = perIp.get(ip) ?? 0;
    if (connections.size >= opts.maxConnections || fromIp >= opts.maxConnectionsPerIp) {
      stats.rejectedConnections++;
      const which = connections.size >= opts.maxConnections ? `max.connections ${opts.maxConnections}` : `max.connections.per.ip ${opts.maxConnectionsPerIp}`;
      rejections.warn(`broker: refused a connection (${which} reached)`, { client: ip });
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    perIp.set(ip, fromIp + 1);
    const conn = new BrokerConnection(socket, ctx, limits, memory, (c) => {
      if (!connections.delete(c)) return;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n > 0) perIp.set(ip, n);
      else perIp.delete(ip);
    }, stats);
    connections.add(conn);
  });
  server.on('error', (err) => logger.error('broker: server error', { error: String(err) }));
  const listenAddress = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  logger.info('broker: listening', { listen: listenAddress, advertised: `${advertisedHost}:${port}`, dataDir: opts.dataDir ?? null, sasl: ctx.settings.saslMechanisms.join(',') || 'off', tls: !!tlsContext });
  if (!opts.users && !isLoopback(opts.host)) {
    logger.warn(`broker: listening on ${listenAddress} without authentication: anyone who can reach this port can read, write and delete every topic; set users (sluice broker --users-file FILE), or bind 127.0.0.1`, { listen: listenAddress });
  }

  let closing: Promise<void> | null = null;
  return {
    host: advertisedHost,
    port,
    address: `${advertisedHost}:${port}`,
    listenAddress,
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
