/**
 * Options several commands share, and the one place that turns them into a LogClient: the
 * embedded log in --data-dir (default ./.sluice), or a Kafka cluster (or `sluice broker`) with
 * --brokers host:port[,host:port].
 */
import { embedded } from '../core/client/embedded/client.js';
import type { LogAdmin, LogClient } from '../core/client/types.js';
import { defaultLogFormat } from '../core/worker/logger.js';
import { UsageError, type Options } from './args.js';
import { brokerList, oneOf } from './values.js';

export const DEFAULT_DATA_DIR = './.sluice';

export const logOptions = {
  'data-dir': { arg: 'DIR', help: `the embedded log to work on (default ${DEFAULT_DATA_DIR}); a running app, connect file or broker holds its directory: use --brokers then` },
  brokers: { arg: 'HOST:PORT,...', parse: brokerList, help: 'a Kafka cluster or a sluice broker instead of the embedded log' },
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
}

export function checkLogChoice(opts: LogChoice): void {
  if (opts['data-dir'] !== undefined && opts.brokers) throw new UsageError('give --data-dir or --brokers, not both');
}

export async function clientFromCliOptions(opts: LogChoice): Promise<LogClient> {
  checkLogChoice(opts);
  if (opts.brokers) {
    const { kafka } = await import('../core/client/kafka/index.js');
    return kafka({ brokers: opts.brokers, clientId: 'sluice-cli' });
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
