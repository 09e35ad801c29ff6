/**
 * Options every CLI command shares, and the one place that turns them into a LogClient: the
 * embedded log in --data-dir (default ./.sluice), or a Kafka cluster (or `sluice broker`) with
 * --brokers host:port[,host:port].
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { embedded } from '../core/client/embedded/client.js';
import type { LogClient } from '../core/client/types.js';
import { InvalidConfigError } from '../core/errors.js';

export const clientOptions = {
  'data-dir': { type: 'string', default: './.sluice' },
  brokers: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export interface ClientCliOptions {
  'data-dir'?: string;
  brokers?: string;
}

export async function clientFromCliOptions(opts: ClientCliOptions): Promise<LogClient> {
  if (opts.brokers) {
    const brokers = opts.brokers.split(',').map((b) => b.trim()).filter(Boolean);
    // Imported by path at run time: kafkajs is only loaded when --brokers is used.
    const kafkaClient = '../core/client/kafka/index.js';
    const mod = (await import(kafkaClient).catch(() => null)) as { kafka(o: { brokers: string[] }): LogClient } | null;
    if (!mod) throw new InvalidConfigError('--brokers needs the Kafka client (core/client/kafka), which is not available in this build');
    return mod.kafka({ brokers });
  }
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
