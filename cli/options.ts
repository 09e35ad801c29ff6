/**
 * Options every CLI command shares, and the one place that turns them into a LogClient: the
 * embedded log in --data-dir (default ./.sluice), or a Kafka cluster (or `sluice broker`) with
 * --brokers host:port[,host:port], secured with --sasl-mechanism/--sasl-username/--sasl-password
 * (or SLUICE_SASL_PASSWORD, which keeps the password off the command line) and --tls,
 * --tls-ca/--tls-cert/--tls-key (PEM files), --tls-insecure.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { embedded } from '../core/client/embedded/client.js';
import type { LogClient } from '../core/client/types.js';
import type { KafkaClientOptions } from '../core/client/kafka/client.js';
import type { KafkaSecurity } from '../core/client/kafka/security.js';
import { InvalidConfigError } from '../core/errors.js';

export const clientOptions = {
  'data-dir': { type: 'string', default: './.sluice' },
  brokers: { type: 'string' },
  'sasl-mechanism': { type: 'string' },
  'sasl-username': { type: 'string' },
  'sasl-password': { type: 'string' },
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-insecure': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export interface ClientCliOptions {
  'data-dir'?: string;
  brokers?: string;
  'sasl-mechanism'?: string;
  'sasl-username'?: string;
  'sasl-password'?: string;
  tls?: boolean;
  'tls-ca'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-insecure'?: boolean;
  /** A connect file's `security:` (its PEM paths relative to `securityBaseDir`). */
  security?: KafkaSecurity;
  securityBaseDir?: string;
}

/** The security flags as a KafkaSecurity (undefined when none is given). */
export function securityFromCliOptions(opts: ClientCliOptions): KafkaSecurity | undefined {
  const mechanism = opts['sasl-mechanism']?.toLowerCase();
  const password = opts['sasl-password'] ?? process.env.SLUICE_SASL_PASSWORD;
  const anySasl = mechanism || opts['sasl-username'] || opts['sasl-password'];
  const anyTls = opts.tls || opts['tls-ca'] || opts['tls-cert'] || opts['tls-key'] || opts['tls-insecure'];
  if (!anySasl && !anyTls) return undefined;
  const out: KafkaSecurity = {};
  if (anySasl) {
    if (!mechanism || !opts['sasl-username'] || password === undefined) {
      throw new InvalidConfigError('SASL needs --sasl-mechanism (plain, scram-sha-256 or scram-sha-512), --sasl-username and --sasl-password (or SLUICE_SASL_PASSWORD)');
    }
    out.sasl = { mechanism: mechanism as 'plain', username: opts['sasl-username'], password };
  }
  if (anyTls) {
    const files = { ...(opts['tls-ca'] ? { ca: opts['tls-ca'] } : {}), ...(opts['tls-cert'] ? { cert: opts['tls-cert'] } : {}), ...(opts['tls-key'] ? { key: opts['tls-key'] } : {}) };
    out.tls = Object.keys(files).length || opts['tls-insecure'] ? { ...files, rejectUnauthorized: !opts['tls-insecure'] } : true;
  }
  return out;
}

export async function clientFromCliOptions(opts: ClientCliOptions): Promise<LogClient> {
  const security = opts.security ?? securityFromCliOptions(opts);
  if (opts.brokers) {
    const brokers = opts.brokers.split(',').map((b) => b.trim()).filter(Boolean);
    // Imported by path at run time: kafkajs is only loaded when --brokers is used.
    const kafkaClient = '../core/client/kafka/index.js';
    const mod = (await import(kafkaClient).catch(() => null)) as { kafka(o: KafkaClientOptions): LogClient } | null;
    if (!mod) throw new InvalidConfigError('--brokers needs the Kafka client (core/client/kafka), which is not available in this build');
    const { kafkajsSecurity } = (await import('../core/client/kafka/security.js')) as typeof import('../core/client/kafka/security.js');
    return mod.kafka({ brokers, ...kafkajsSecurity(security, opts.securityBaseDir) });
  }
  if (security) throw new InvalidConfigError('--sasl-* and --tls-* are options of --brokers (the embedded log has no network connection to secure)');
  // The CLI writes through the log's default flush policy (always): a record a command reports
  // as produced is on disk.
  return embedded({ dataDir: opts['data-dir'] ?? './.sluice', maintenanceIntervalMs: 0 });
}

/** parseArgs with the shared client options merged in, strict, allowing positionals. */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  return parseArgs({ args, options: { ...clientOptions, ...options } as typeof clientOptions & O, allowPositionals: true, strict: true as const });
}

export function toInt(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new InvalidConfigError(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidConfigError(`--${name} must be an integer, got "${value}"`);
  return n;
}
