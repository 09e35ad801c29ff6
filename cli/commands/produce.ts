/**
 * sluice produce TOPIC [--key-separator SEP] [--partition P]: one record per stdin line, like
 * kafka-console-producer. Lines are sent in batches as they arrive; a missing topic is created
 * with one partition (as Kafka's auto-creation would), with a note on stderr.
 */
import readline from 'node:readline';
import { InvalidConfigError } from '../../core/errors.js';
import type { ProducerRecord } from '../../core/client/types.js';
import { clientFromCliOptions, parseCommand, toInt } from '../options.js';

export const usage = 'produce TOPIC [--key-separator SEP] [--partition P]   (one record per stdin line)';

const BATCH = 1000;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    'key-separator': { type: 'string' },
    partition: { type: 'string' },
  });
  const topic = positionals[0];
  if (!topic) throw new InvalidConfigError('sluice produce needs a TOPIC');
  const sep = values['key-separator'];
  const partition = values.partition === undefined ? undefined : toInt('partition', values.partition);
  const client = await clientFromCliOptions(values);
  try {
    const admin = client.admin();
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopic(topic, { partitions: 1 });
      process.stderr.write(`created topic "${topic}" with 1 partition\n`);
    }
    const producer = client.producer();
    let batch: ProducerRecord[] = [];
    let count = 0;
    // Sends are chained so records keep their order; an interactive line goes out after a short
    // pause instead of waiting for a full batch.
    let chain = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (batch.length === 0) return chain;
      const b = batch;
      batch = [];
      chain = chain.then(async () => {
        await producer.send(topic, b);
        count += b.length;
      });
      return chain;
    };
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
      let key: string | null = null;
      let value = line;
      if (sep !== undefined) {
        const i = line.indexOf(sep);
        if (i >= 0) {
          key = line.slice(0, i);
          value = line.slice(i + sep.length);
        }
      }
      batch.push({ key, value, partition });
      if (batch.length >= BATCH) await flush();
      else timer ??= setTimeout(() => void flush(), 50);
    }
    await flush();
    await producer.close();
    process.stderr.write(`produced ${count} record(s) to "${topic}"\n`);
    return 0;
  } finally {
    await client.close();
  }
}
