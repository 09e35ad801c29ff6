/**
 * sluice consume TOPIC: prints one record per line — the requested fields in the order partition,
 * offset, key, value, tab-separated — and exits after --max-messages records or --timeout-ms
 * without data. With --group it is a member of that group and commits what it printed; without,
 * it reads every partition from the end (or the beginning with --from-beginning) under a
 * throwaway group that is never committed.
 */
import { randomUUID } from 'node:crypto';
import { InvalidConfigError } from '../../core/errors.js';
import { clientFromCliOptions, parseCommand, toInt } from '../options.js';

export const usage =
  'consume TOPIC [--from-beginning] [--group G] [--max-messages N] [--timeout-ms T] [--print-partition] [--print-offset] [--print-key]';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    'from-beginning': { type: 'boolean', default: false },
    group: { type: 'string' },
    'max-messages': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'print-partition': { type: 'boolean', default: false },
    'print-offset': { type: 'boolean', default: false },
    'print-key': { type: 'boolean', default: false },
  });
  const topic = positionals[0];
  if (!topic) throw new InvalidConfigError('sluice consume needs a TOPIC');
  const max = values['max-messages'] === undefined ? Infinity : toInt('max-messages', values['max-messages']);
  const timeoutMs = values['timeout-ms'] === undefined ? Infinity : toInt('timeout-ms', values['timeout-ms']);
  const client = await clientFromCliOptions(values);
  const groupId = values.group ?? `sluice-console-${randomUUID()}`;
  const consumer = client.consumer({
    groupId,
    topics: [topic],
    autoOffsetReset: values['from-beginning'] ? 'earliest' : 'latest',
    clientId: 'sluice-console-consumer',
  });
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let printed = 0;
  let idleSince = Date.now();
  try {
    if (!(await client.admin().listTopics()).includes(topic)) throw new InvalidConfigError(`topic "${topic}" does not exist`);
    await consumer.start();
    while (!stop && printed < max) {
      const waited = Math.min(500, Math.max(0, timeoutMs - (Date.now() - idleSince)));
      const batches = await consumer.poll({ maxWaitMs: waited, maxRecords: max - printed });
      let lines = '';
      const commits = [];
      for (const b of batches) {
        for (const r of b.records) {
          const fields: string[] = [];
          if (values['print-partition']) fields.push(String(b.partition));
          if (values['print-offset']) fields.push(String(r.offset));
          if (values['print-key']) fields.push(r.key === null ? 'null' : r.key.toString());
          fields.push(r.value === null ? 'null' : r.value.toString());
          lines += fields.join('\t') + '\n';
          printed++;
        }
        if (b.records.length) commits.push({ topic: b.topic, partition: b.partition, offset: b.records[b.records.length - 1]!.offset + 1 });
      }
      if (lines) {
        if (!process.stdout.write(lines)) await new Promise((r) => process.stdout.once('drain', r));
        idleSince = Date.now();
        if (values.group) await consumer.commit(commits);
      } else if (Date.now() - idleSince >= timeoutMs) break;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await consumer.close();
    await client.close();
  }
}
