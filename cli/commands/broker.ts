/**
 * sluice broker [--host H] [--port P] [--data-dir DIR] [--advertised-host H] [--partitions N]
 *               [--no-auto-create] [--user name:password ...]
 * Serves the embedded log over the Kafka protocol until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startBroker } from '../../core/broker/server.js';
import { InvalidConfigError } from '../../core/errors.js';
import { createLogger } from '../../core/worker/logger.js';
import { toInt } from '../options.js';

export const usage = 'broker [--port 9092] [--host 127.0.0.1] [--data-dir DIR] [--user NAME:PASSWORD] (Kafka protocol server over the log)';

export async function run(args: string[]): Promise<number> {
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
      'max-request-bytes': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
    strict: true,
  });
  let users: Record<string, string> | undefined;
  for (const u of values.user ?? []) {
    const i = u.indexOf(':');
    if (i <= 0) throw new InvalidConfigError(`--user must look like NAME:PASSWORD, got "${u}"`);
    (users ??= {})[u.slice(0, i)] = u.slice(i + 1);
  }
  const logger = createLogger({ name: 'broker', level: values['log-level'] as 'info' });
  const broker = await startBroker({
    host: values.host,
    port: toInt('port', values.port),
    dataDir: values['data-dir'],
    advertisedHost: values['advertised-host'],
    defaultPartitions: toInt('partitions', values.partitions),
    autoCreateTopics: !values['no-auto-create'],
    users,
    maxRequestBytes: values['max-request-bytes'] ? toInt('max-request-bytes', values['max-request-bytes']) : undefined,
    logger,
  });
  process.stdout.write(`sluice broker listening on ${broker.address} (data: ${values['data-dir']}${users ? ', SASL/PLAIN' : ''})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await broker.close();
  return 0;
}
