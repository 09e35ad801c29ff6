/**
 * Options several commands share, and the one place that turns them into a LogClient: the
 * embedded log in --data-dir (default ./.sluice), or a Kafka cluster (or `sluice broker`) with
 * --brokers host:port[,host:port], secured with --sasl-mechanism/--sasl-username/--sasl-password
 * (or SLUICE_SASL_PASSWORD, which keeps the password off the command line) and --tls,
 * --tls-ca/--tls-cert/--tls-key (PEM files), --tls-insecure.
 */
import { embedded } from '../core/client/embedded/client.js';
import type { KafkaSecurity } from '../core/client/kafka/security.js';
import type { LogAdmin, LogClient } from '../core/client/types.js';
import { defaultLogFormat } from '../core/worker/logger.js';
import { UsageError, type Options } from './args.js';
import { brokerList, oneOf } from './values.js';

// Declared outside the options literal: a generic call inside it would defeat the inference of the option types.
const saslMechanism = oneOf('plain', 'scram-sha-256', 'scram-sha-512');

export const DEFAULT_DATA_DIR = './.sluice';

export const logOptions = {
  'data-dir': { arg: 'DIR', help: `the embedded log to work on (default ${DEFAULT_DATA_DIR}); a running app, connect file or broker holds its directory: use --brokers then` },
  brokers: { arg: 'HOST:PORT,...', parse: brokerList, help: 'a Kafka cluster or a sluice broker instead of the embedded log' },
  'sasl-mechanism': { arg: 'MECHANISM', parse: saslMechanism, help: 'with --brokers: SASL plain, scram-sha-256 or scram-sha-512' },
  'sasl-username': { arg: 'NAME', help: 'with --brokers: the SASL user' },
  'sasl-password': { arg: 'PASSWORD', help: 'with --brokers: the SASL password (visible in ps: prefer SLUICE_SASL_PASSWORD)' },
  tls: { help: 'with --brokers: connect over TLS (the system CAs)' },
  'tls-ca': { arg: 'PEM', help: 'with --brokers: the CA that signed the broker certificate' },
  'tls-cert': { arg: 'PEM', help: 'with --brokers: a client certificate (mutual TLS)' },
  'tls-key': { arg: 'PEM', help: 'with --brokers: the client certificate\'s private key' },
  'tls-insecure': { help: 'with --brokers: accept any broker certificate (tests only)' },
} satisfies Options;

export const outputOption = {
  output: { arg: 'FORMAT', parse: oneOf('text', 'json'), default: 'text', help: 'text for people, json for scripts' },
} satisfies Options;

export const logFormatOptions = {
  'log-format': { arg: 'FORMAT', parse: oneOf('text', 'json'), help: 'log lines as text or JSON (default: text on a terminal, JSON when stderr is piped)' },
  'log-level': { arg: 'LEVEL', parse: oneOf('debug', 'info', 'warn', 'error'), help: 'the least severe log level shown (default: SLUICE_LOG_LEVEL or info)' },
} satisfies Options;

/**
 * Applies --log-format/--log-level through the environment, so the loggers the command creates,
 * and those of task threads it starts, all follow them.
 */
export function applyLogOptions(values: { 'log-format'?: 'text' | 'json'; 'log-level'?: string }): void {
  // Decided here once: task threads write through a pipe to this thread and would otherwise
  // always pick JSON, even when this process's stderr is a terminal.
  process.env.SLUICE_LOG_FORMAT = values['log-format'] ?? defaultLogFormat();
  if (values['log-level']) process.env.SLUICE_LOG_LEVEL = values['log-level'];
}

export interface LogChoice {
  'data-dir'?: string;
  brokers?: string[];
  'sasl-mechanism'?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  'sasl-username'?: string;
  'sasl-password'?: string;
  tls?: boolean;
  'tls-ca'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-insecure'?: boolean;
}

export function checkLogChoice(opts: LogChoice): void {
  if (opts['data-dir'] !== undefined && opts.brokers) throw new UsageError('give --data-dir or --brokers, not both');
  securityFromCliOptions(opts);
}

/** The security flags as a KafkaSecurity (undefined when none is given). */
export function securityFromCliOptions(opts: LogChoice): KafkaSecurity | undefined {
  const password = opts['sasl-password'] ?? process.env.SLUICE_SASL_PASSWORD;
  const anySasl = opts['sasl-mechanism'] || opts['sasl-username'] || opts['sasl-password'];
  const anyTls = opts.tls || opts['tls-ca'] || opts['tls-cert'] || opts['tls-key'] || opts['tls-insecure'];
  if (!anySasl && !anyTls) return undefined;
  if (!opts.brokers) throw new UsageError('--sasl-* and --tls-* are options of --brokers (the embedded log has no network connection to secure)');
  const out: KafkaSecurity = {};
  if (anySasl) {
    if (!opts['sasl-mechanism'] || !opts['sasl-username'] || password === undefined) {
      throw new UsageError('SASL needs --sasl-mechanism (plain, scram-sha-256 or scram-sha-512), --sasl-username and --sasl-password (or SLUICE_SASL_PASSWORD)');
    }
    out.sasl = { mechanism: opts['sasl-mechanism'], username: opts['sasl-username'], password };
  }
  if (anyTls) {
    const files = { ...(opts['tls-ca'] ? { ca: opts['tls-ca'] } : {}), ...(opts['tls-cert'] ? { cert: opts['tls-cert'] } : {}), ...(opts['tls-key'] ? { key: opts['tls-key'] } : {}) };
    out.tls = Object.keys(files).length || opts['tls-insecure'] ? { ...files, rejectUnauthorized: !opts['tls-insecure'] } : true;
  }
  return out;
}

export async function clientFromCliOptions(opts: LogChoice): Promise<LogClient> {
  checkLogChoice(opts);
  if (opts.brokers) {
    const [{ kafka }, { kafkajsSecurity }] = await Promise.all([import('../core/client/kafka/index.js'), import('../core/client/kafka/security.js')]);
    return kafka({ brokers: opts.brokers, clientId: 'sluice-cli', ...kafkajsSecurity(securityFromCliOptions(opts)) });
  }
  // The CLI writes through the log's default flush policy (always): a record a command reports
  // as produced is on disk.
  return embedded({ dataDir: opts['data-dir'] ?? DEFAULT_DATA_DIR, maintenanceIntervalMs: 0 });
}

/** Where a command's client is: "./.sluice" or "127.0.0.1:9092", for messages. */
export function describeLogChoice(opts: LogChoice): string {
  return opts.brokers ? opts.brokers.join(',') : (opts['data-dir'] ?? DEFAULT_DATA_DIR);
}

/** Runs fn with an admin of the chosen log, closing the client afterwards. */
export async function withAdmin<T>(opts: LogChoice, fn: (admin: LogAdmin) => Promise<T>): Promise<T> {
  const client = await clientFromCliOptions(opts);
  try {
    return await fn(client.admin());
  } finally {
    await client.close();
  }
}
