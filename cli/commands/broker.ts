/**
 * sluice broker: serves the embedded log over the Kafka protocol until SIGINT/SIGTERM.
 *
 * SASL users (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) come from a file (--users-file, lines
 * "name:password", or "name:SCRAM-SHA-256:…;SCRAM-SHA-512:…" as `sluice broker hash-user NAME`
 * prints them, so that the file holds only salted hashes) or the environment (SLUICE_BROKER_USERS,
 * the same lines): a password on the command line (--user NAME:PASSWORD, still accepted) is
 * visible to every local user in `ps`. --tls-cert/--tls-key (PEM files) serve TLS instead of
 * plaintext; --tls-ca also requires client certificates signed by that CA.
 */
import fs from 'node:fs';
import { InvalidConfigError } from '../../core/errors.js';
import { command, UsageError } from '../args.js';
import { applyLogOptions, DEFAULT_DATA_DIR, logFormatOptions } from '../options.js';
import { print } from '../output.js';
import { integer, partitionCount, port } from '../values.js';
import { httpOptions, startHttp } from '../http-options.js';

/** `name:password` lines (blank lines and # comments skipped) into users; `where` names the source in errors. */
export function parseUsers(text: string, where: string, into: Record<string, string> = {}): Record<string, string> {
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const at = line.indexOf(':');
    if (at <= 0) throw new InvalidConfigError(`${where} line ${i + 1}: a user must look like NAME:PASSWORD`);
    into[line.slice(0, at)] = line.slice(at + 1);
  });
  return into;
}

/** `sluice broker hash-user NAME`: reads the password from stdin, prints "NAME:<stored credentials>". */
const hashUser = command({
  name: 'hash-user',
  summary: 'print a --users-file line of salted SCRAM hashes for NAME (the password on standard input)',
  args: [{ name: 'NAME' }],
  examples: ['printf %s "$PASSWORD" | sluice broker hash-user alice >> users.txt'],
  async run(_v, [name]) {
    if (name!.includes(':')) throw new UsageError('NAME must not contain ":"');
    const { formatCredential, SCRAM_MECHANISMS, scramCredential } = await import('../../core/broker/scram.js');
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const password = input.replace(/\r?\n$/, '');
    if (!password) throw new InvalidConfigError('no password on standard input');
    print(`${name}:${SCRAM_MECHANISMS.map((m) => formatCredential(scramCredential(m, password))).join(';')}\n`);
    return 0;
  },
});

function user(raw: string, flag: string): string {
  if (raw.indexOf(':') <= 0) throw new UsageError(`${flag} must look like NAME:PASSWORD, got "${raw}"`);
  return raw;
}

export const broker = command({
  name: 'broker',
  summary: 'serve the embedded log over the Kafka protocol (kcat, kafkajs, kafka-python, confluent-kafka)',
  options: {
    host: { arg: 'HOST', default: '127.0.0.1', help: 'address to listen on (0.0.0.0: every interface; set users then)' },
    port: { arg: 'PORT', parse: port, default: '9092', help: 'port to listen on' },
    'data-dir': { arg: 'DIR', default: DEFAULT_DATA_DIR, help: 'the log to serve (created if missing; held by this process while it runs)' },
    'advertised-host': { arg: 'HOST', help: 'the host Metadata tells clients to connect to (default: --host, or 127.0.0.1 for 0.0.0.0)' },
    partitions: { arg: 'N', parse: partitionCount, default: '1', help: 'partitions of topics created automatically' },
    'no-auto-create': { help: 'do not create a topic a client asks Metadata for' },
    'users-file': { arg: 'FILE', help: 'SASL users, one "name:password" (or a hash-user line) per line; with any user, every connection must authenticate' },
    user: { arg: 'NAME:PASSWORD', multiple: true, parse: user, help: 'a SASL user on the command line (visible in ps: prefer --users-file or SLUICE_BROKER_USERS)' },
    'tls-cert': { arg: 'PEM', help: 'serve TLS with this certificate (with --tls-key)' },
    'tls-key': { arg: 'PEM', help: 'the private key of --tls-cert' },
    'tls-ca': { arg: 'PEM', help: 'with TLS: require client certificates signed by this CA' },
    'max-request-bytes': { arg: 'N', parse: integer(1024), help: "largest request; larger ones close the connection (Kafka's socket.request.max.bytes; default 100 MiB)" },
    'max-connections': { arg: 'N', parse: integer(1), help: "connections at once (Kafka's max.connections; default 1000)" },
    'max-connections-per-ip': { arg: 'N', parse: integer(1), help: "connections at once from one address (Kafka's max.connections.per.ip; default 250)" },
    'connections-max-idle-ms': { arg: 'MS', parse: integer(1), help: "close a connection idle this long (Kafka's connections.max.idle.ms; default 600000)" },
    'max-queued-request-bytes': { arg: 'N', parse: integer(1024), help: "request bytes held over all connections (Kafka's queued.max.request.bytes; default 512 MiB)" },
    'fetch-max-bytes': { arg: 'N', parse: integer(1024), help: "most record bytes in one Fetch response (Kafka's fetch.max.bytes; default 55 MiB)" },
    'max-partitions': { arg: 'N', parse: integer(1), help: 'most partitions over all topics (default 20000)' },
    'offsets-retention-minutes': { arg: 'N', parse: integer(1), help: "offsets of an empty group expire this long after their commit (Kafka's offsets.retention.minutes; default 10080)" },
    repair: { help: 'open a damaged log anyway, cutting corrupt segments and accepting missing ones (logged)' },
    ...httpOptions,
    ...logFormatOptions,
  },
  description: 'SASL users may also come from SLUICE_BROKER_USERS (the same lines as --users-file). What it speaks: docs/broker.md. Security: docs/security.md.',
  examples: ['sluice broker --data-dir ./data', 'sluice broker --data-dir ./data --ui      # and the console at http://127.0.0.1:8080/', 'sluice broker --host 0.0.0.0 --advertised-host broker.internal --users-file ./users.txt --tls-cert cert.pem --tls-key key.pem'],
  subcommands: [hashUser],
  async run(v) {
    applyLogOptions(v);
    if (Boolean(v['tls-cert']) !== Boolean(v['tls-key'])) throw new UsageError('TLS needs both --tls-cert and --tls-key (PEM files)');
    if (v['tls-ca'] && !v['tls-cert']) throw new UsageError('--tls-ca needs --tls-cert and --tls-key');
    const [{ isLoopback, startBroker }, { createLogger }] = await Promise.all([import('../../core/broker/server.js'), import('../../core/worker/logger.js')]);
    let users: Record<string, string> | undefined;
    if (v['users-file']) {
      let text: string;
      try {
        text = fs.readFileSync(v['users-file'], 'utf8');
      } catch (err) {
        throw new InvalidConfigError(`--users-file ${v['users-file']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      users = parseUsers(text, v['users-file']);
    }
    if (process.env.SLUICE_BROKER_USERS) users = parseUsers(process.env.SLUICE_BROKER_USERS, 'SLUICE_BROKER_USERS', users);
    if (v.user.length) {
      process.stderr.write('sluice broker: --user puts a password on the command line, where every local user can read it (ps); prefer --users-file FILE or SLUICE_BROKER_USERS\n');
      users = parseUsers(v.user.join('\n'), '--user', users);
    }
    const b = await startBroker({
      host: v.host,
      port: v.port,
      dataDir: v['data-dir'],
      advertisedHost: v['advertised-host'],
      defaultPartitions: v.partitions,
      autoCreateTopics: !v['no-auto-create'],
      users,
      tls: v['tls-cert'] ? { cert: v['tls-cert'], key: v['tls-key']!, ca: v['tls-ca'] } : undefined,
      maxRequestBytes: v['max-request-bytes'],
      maxConnections: v['max-connections'],
      maxConnectionsPerIp: v['max-connections-per-ip'],
      connectionsMaxIdleMs: v['connections-max-idle-ms'],
      maxQueuedRequestBytes: v['max-queued-request-bytes'],
      fetchMaxBytes: v['fetch-max-bytes'],
      maxPartitions: v['max-partitions'],
      offsetsRetentionMinutes: v['offsets-retention-minutes'],
      repair: v.repair,
      logger: createLogger({ name: 'broker' }),
    });
    const advertised = b.address === b.listenAddress ? '' : `, clients connect to ${b.address}`;
    print(`sluice broker listening on ${b.listenAddress}${advertised} (data: ${v['data-dir']}${users ? ', SASL PLAIN/SCRAM' : ''}${v['tls-cert'] ? ', TLS' : ''})\n`);
    if (!users && !isLoopback(v.host)) {
      process.stderr.write(`sluice broker: WARNING: listening on ${b.listenAddress} without authentication: anyone who can reach this port can read, write and delete every topic. Add --users-file FILE, or use --host 127.0.0.1\n`);
    }
    const { embedded } = await import('../../core/client/embedded/client.js');
    const log = embedded(b.engine);
    // The broker's SASL users may also call its API (HTTP Basic), with the same salted, hashed credentials.
    const { credentialsFromEntry } = await import('../../core/broker/scram.js');
    const apiUsers = users ? new Map(Object.entries(users).map(([name, entry]) => [name, credentialsFromEntry(entry)])) : undefined;
    const api = await startHttp(v, log, undefined, v.ui, apiUsers);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await api?.close();
    await log.close();
    await b.close();
    return 0;
  },
});
