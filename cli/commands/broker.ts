/** sluice broker: serves the embedded log over the Kafka protocol until SIGINT/SIGTERM. */
import { command, UsageError } from '../args.js';
import { applyLogOptions, DEFAULT_DATA_DIR, logFormatOptions } from '../options.js';
import { print } from '../output.js';
import { integer, partitionCount, port } from '../values.js';

function user(raw: string, flag: string): [string, string] {
  const i = raw.indexOf(':');
  if (i <= 0) throw new UsageError(`${flag} must look like NAME:PASSWORD, got "${raw}"`);
  return [raw.slice(0, i), raw.slice(i + 1)];
}

export const broker = command({
  name: 'broker',
  summary: 'serve the embedded log over the Kafka protocol (kcat, kafkajs, kafka-python, confluent-kafka)',
  options: {
    host: { arg: 'HOST', default: '127.0.0.1', help: 'address to listen on (0.0.0.0: every interface)' },
    port: { arg: 'PORT', parse: port, default: '9092', help: 'port to listen on' },
    'data-dir': { arg: 'DIR', default: DEFAULT_DATA_DIR, help: 'the log to serve (created if missing; held by this process while it runs)' },
    'advertised-host': { arg: 'HOST', help: 'the host Metadata tells clients to connect to (default: --host, or 127.0.0.1 for 0.0.0.0)' },
    partitions: { arg: 'N', parse: partitionCount, default: '1', help: 'partitions of topics created automatically' },
    'no-auto-create': { help: 'do not create a topic a client asks Metadata for' },
    user: { arg: 'NAME:PASSWORD', multiple: true, parse: user, help: 'a SASL/PLAIN user; with any, every connection must authenticate' },
    'max-request-bytes': { arg: 'N', parse: integer(1024), default: String(100 * 1024 * 1024), help: 'larger requests are refused from their size prefix and the connection closed' },
    ...logFormatOptions,
  },
  description: 'What it speaks and what it does not: docs/broker.md. Security: docs/security.md.',
  examples: ['sluice broker --data-dir ./data', 'sluice broker --host 0.0.0.0 --advertised-host broker.internal --user app:secret'],
  async run(v) {
    applyLogOptions(v);
    const [{ startBroker }, { createLogger }] = await Promise.all([import('../../core/broker/server.js'), import('../../core/worker/logger.js')]);
    const users = v.user.length ? Object.fromEntries(v.user) : undefined;
    const b = await startBroker({
      host: v.host,
      port: v.port,
      dataDir: v['data-dir'],
      advertisedHost: v['advertised-host'],
      defaultPartitions: v.partitions,
      autoCreateTopics: !v['no-auto-create'],
      users,
      maxRequestBytes: v['max-request-bytes'],
      logger: createLogger({ name: 'broker' }),
    });
    print(`sluice broker listening on ${b.address} (data: ${v['data-dir']}${users ? ', SASL/PLAIN' : ''})\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await b.close();
    return 0;
  },
});
