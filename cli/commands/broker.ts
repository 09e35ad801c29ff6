/**
 * sluice broker [--host H] [--port P] [--data-dir DIR] [--advertised-host H] [--partitions N]
 *               [--no-auto-create] [--users-file FILE] [--max-connections N] [--max-connections-per-ip N]
 *               [--connections-max-idle-ms MS] [--max-partitions N] [--repair] ...
 * Serves the embedded log over the Kafka protocol until SIGINT/SIGTERM.
 *
 * SASL users (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) come from a file (--users-file, lines
 * "name:password", or "name:SCRAM-SHA-256:…;SCRAM-SHA-512:…" as `sluice broker hash-user NAME`
 * prints them, so that the file holds only salted hashes) or the environment (SLUICE_BROKER_USERS,
 * the same lines): a password on the command line (--user NAME:PASSWORD, still accepted) is
 * visible to every local user in `ps`. --tls-cert/--tls-key (PEM files) serve TLS instead of
 * plaintext; --tls-ca also requires client certificates signed by that CA.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { isLoopback, startBroker } from '../../core/broker/server.js';
import { InvalidConfigError } from '../../core/errors.js';
import { createLogger } from '../../core/worker/logger.js';
import { formatCredential, SCRAM_MECHANISMS, scramCredential } from '../../core/broker/scram.js';
import { toInt } from '../options.js';

function requireFlag(v: string | undefined): string {
  if (!v) throw new InvalidConfigError('TLS needs both --tls-cert and --tls-key (PEM files)');
  return v;
}

export const usage =
  'broker [--port 9092] [--host 127.0.0.1] [--data-dir DIR] [--users-file FILE] [--tls-cert PEM --tls-key PEM [--tls-ca PEM]] [--max-connections N] [--repair] (Kafka protocol server over the log); broker hash-user NAME (password on stdin: prints a users-file line of salted hashes)';

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
async function hashUser(args: string[]): Promise<number> {
  const name = args[0];
  if (!name || name.includes(':')) throw new InvalidConfigError('sluice broker hash-user NAME (a name without ":"), with the password on standard input');
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const password = input.replace(/\r?\n$/, '');
  if (!password) throw new InvalidConfigError('sluice broker hash-user: no password on standard input');
  const line = SCRAM_MECHANISMS.map((m) => formatCredential(scramCredential(m, password))).join(';');
  process.stdout.write(`${name}:${line}\n`);
  return 0;
}

export async function run(args: string[]): Promise<number> {
  if (args[0] === 'hash-user') return hashUser(args.slice(1));
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '9092' },
      'data-dir': { type: 'string', default: './.sluice' },
      'advertised-host': { type: 'string' },
      partitions: { type: 'string', default: '1' },
      'no-auto-create': { type: 'boolean', default: false },
      user: { type: 'string', multiple: true },
      'users-file': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'max-request-bytes': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-ip': { type: 'string' },
      'connections-max-idle-ms': { type: 'string' },
      'max-queued-request-bytes': { type: 'string' },
      'fetch-max-bytes': { type: 'string' },
      'max-partitions': { type: 'string' },
      'offsets-retention-minutes': { type: 'string' },
      repair: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    },
    strict: true,
  });
  let users: Record<string, string> | undefined;
  if (values['users-file']) {
    let text: string;
    try {
      text = fs.readFileSync(values['users-file'], 'utf8');
    } catch (err) {
      throw new InvalidConfigError(`--users-file ${values['users-file']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    users = parseUsers(text, values['users-file']);
  }
  if (process.env.SLUICE_BROKER_USERS) users = parseUsers(process.env.SLUICE_BROKER_USERS, 'SLUICE_BROKER_USERS', users);
  if (values.user?.length) {
    process.stderr.write('sluice broker: --user puts a password on the command line, where every local user can read it (ps); prefer --users-file FILE or SLUICE_BROKER_USERS\n');
    users = parseUsers(values.user.join('\n'), '--user', users);
  }
  const optInt = (name: keyof typeof values) => (values[name] === undefined ? undefined : toInt(name, values[name] as string));
  const logger = createLogger({ name: 'broker', level: values['log-level'] as 'info' });
  const broker = await startBroker({
    host: values.host,
    port: toInt('port', values.port),
    dataDir: values['data-dir'],
    advertisedHost: values['advertised-host'],
    defaultPartitions: toInt('partitions', values.partitions),
    autoCreateTopics: !values['no-auto-create'],
    users,
    tls: values['tls-cert'] || values['tls-key'] ? { cert: requireFlag(values['tls-cert']), key: requireFlag(values['tls-key']), ca: values['tls-ca'] } : undefined,
    maxRequestBytes: optInt('max-request-bytes'),
    maxConnections: optInt('max-connections'),
    maxConnectionsPerIp: optInt('max-connections-per-ip'),
    connectionsMaxIdleMs: optInt('connections-max-idle-ms'),
    maxQueuedRequestBytes: optInt('max-queued-request-bytes'),
    fetchMaxBytes: optInt('fetch-max-bytes'),
    maxPartitions: optInt('max-partitions'),
    offsetsRetentionMinutes: optInt('offsets-retention-minutes'),
    repair: values.repair,
    logger,
  });
  const advertised = broker.address === broker.listenAddress ? '' : `, clients connect to ${broker.address}`;
  process.stdout.write(`sluice broker listening on ${broker.listenAddress}${advertised} (data: ${values['data-dir']}${users ? ', SASL PLAIN/SCRAM' : ''}${values['tls-cert'] ? ', TLS' : ''})\n`);
  if (!users && !isLoopback(values.host)) {
    process.stderr.write(`sluice broker: WARNING: listening on ${broker.listenAddress} without authentication: anyone who can reach this port can read, write and delete every topic. Add --users-file FILE, or use --host 127.0.0.1\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await broker.close();
  return 0;
}
