/**
 * sluice consume TOPIC: prints records, one per line, until --max-messages records or --timeout-ms
 * without data. With --group it is a member of that group and commits what it printed; without,
 * it reads under a throwaway group that is never committed. Where it starts: the group's commit,
 * else the end (or --from-beginning, --offset, --from-timestamp). A record is committed only once
 * its line was written: when the reader of stdout goes away (`| head -5`), it stops cleanly.
 */
import { randomUUID } from 'node:crypto';
import { InvalidConfigError, UnknownPartitionError } from '../../core/errors.js';
import type { LogAdmin, TopicPartition, TopicPartitionOffset } from '../../core/client/types.js';
import { command, UsageError } from '../args.js';
import { clientFromCliOptions, logOptions } from '../options.js';
import { StdoutClosedError, write } from '../output.js';
import { columns, jsonLines, template, TEMPLATE_HELP, type RecordPrinter } from '../record-format.js';
import { integer, nonEmpty, startOffset, timestamp, type StartOffset } from '../values.js';

export const consume = command({
  name: 'consume',
  summary: 'print the records of a topic (kafka-console-consumer, kcat -C)',
  args: [{ name: 'TOPIC' }],
  options: {
    'from-beginning': { help: 'start at the earliest record (same as --offset earliest)' },
    offset: { arg: 'N|earliest|latest|-N', parse: startOffset, help: 'start at offset N, the earliest or latest record, or N records before the end, in each partition read' },
    'from-timestamp': { arg: 'MS|ISO-DATE', parse: timestamp, help: 'start at the first record at or after this time (ms since the epoch, or e.g. 2026-12-01T10:00:00Z)' },
    partition: { arg: 'P', parse: integer(0), help: 'read partition P only (not with --group: a group assigns partitions)' },
    group: { arg: 'GROUP', parse: nonEmpty, help: 'consume as a member of GROUP and commit what was printed (default: a throwaway group, never committed)' },
    'max-messages': { arg: 'N', parse: integer(1), help: 'exit after N records' },
    'timeout-ms': { arg: 'MS', parse: integer(0), help: 'exit after MS without a new record' },
    'print-partition': { help: 'print the partition' },
    'print-offset': { help: 'print the offset' },
    'print-timestamp': { help: 'print the timestamp (ms since the epoch)' },
    'print-key': { help: 'print the key ("null" for none)' },
    'print-headers': { help: 'print the headers, k1:v1,k2:v2 (NO_HEADERS for none)' },
    format: {
      arg: 'json|TEMPLATE',
      parse: (raw: string, flag: string): RecordPrinter => (raw === 'json' ? jsonLines : template(raw, flag)),
      help: `json: one object per line {topic, partition, offset, timestamp, key, value, headers}; or a template: ${TEMPLATE_HELP}`,
    },
    ...logOptions,
  },
  description:
    'Without --format, a line is the requested fields in the order partition, offset, timestamp, key, headers, then the value, separated by tabs.',
  examples: [
    'sluice consume orders --from-beginning --print-key --print-headers --timeout-ms 1000',
    "sluice consume orders --partition 2 --offset -10 --format '%p/%o %k=%s %h\\n'",
    'sluice consume my-app.dlq --from-beginning --format json --max-messages 5     # dead letters with their sluice.error header',
  ],
  async run(v, [topic]) {
    const starts = [v['from-beginning'] && '--from-beginning', v.offset && '--offset', v['from-timestamp'] !== undefined && '--from-timestamp'].filter(Boolean);
    if (starts.length > 1) throw new UsageError(`give one of ${starts.join(', ')}`);
    if (v.partition !== undefined && v.group !== undefined) throw new UsageError('--partition cannot be used with --group: the group assigns partitions to its members');
    const printFlags = ['print-partition', 'print-offset', 'print-timestamp', 'print-key', 'print-headers'] as const;
    if (v.format && printFlags.some((f) => v[f])) throw new UsageError(`--format already says what to print; leave out --${printFlags.find((f) => v[f])}`);
    const start: StartOffset | { kind: 'timestamp'; at: number } | undefined = v['from-beginning']
      ? { kind: 'earliest' }
      : v['from-timestamp'] !== undefined
        ? { kind: 'timestamp', at: v['from-timestamp'] }
        : v.offset;
    const printer: RecordPrinter =
      v.format ??
      columns({ partition: v['print-partition'], offset: v['print-offset'], timestamp: v['print-timestamp'], key: v['print-key'], headers: v['print-headers'] });
    const max = v['max-messages'] ?? Infinity;
    const timeoutMs = v['timeout-ms'] ?? Infinity;

    const client = await clientFromCliOptions(v);
    const admin = client.admin();
    const positioned = new Set<number>();
    const consumer = client.consumer({
      groupId: v.group ?? `sluice-console-${randomUUID()}`,
      topics: [topic!],
      autoOffsetReset: start?.kind === 'earliest' ? 'earliest' : 'latest',
      clientId: 'sluice-console-consumer',
      listener: {
        // Inside poll(), before the partitions' first records: pause the partitions not asked
        // for, and move the others to the requested start once (a later rebalance keeps the position).
        onAssigned: async (tps) => {
          const mine = tps.filter((tp) => tp.topic === topic);
          if (v.partition !== undefined) consumer.pause(mine.filter((tp) => tp.partition !== v.partition));
          const fresh = mine.filter((tp) => (v.partition === undefined || tp.partition === v.partition) && !positioned.has(tp.partition));
          if (start && start.kind !== 'earliest' && fresh.length) for (const o of await startPositions(admin, topic!, fresh, start)) consumer.seek(o);
          for (const tp of fresh) positioned.add(tp.partition);
        },
      },
    });
    let stop = false;
    const onSignal = () => (stop = true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let printed = 0;
    let idleSince = Date.now();
    try {
      if (!(await admin.listTopics()).includes(topic!)) throw new InvalidConfigError(`topic "${topic}" does not exist`);
      if (v.partition !== undefined) {
        const n = (await admin.describeTopic(topic!)).partitions.length;
        if (v.partition >= n) throw new UnknownPartitionError(topic!, v.partition);
      }
      await consumer.start();
      while (!stop && printed < max) {
        const waited = Math.min(500, Math.max(0, timeoutMs - (Date.now() - idleSince)));
        const batches = await consumer.poll({ maxWaitMs: waited, maxRecords: Math.min(max - printed, 10_000) });
        let lines = '';
        const commits: TopicPartitionOffset[] = [];
        for (const b of batches) {
          if (v.partition !== undefined && b.partition !== v.partition) continue;
          for (const r of b.records) lines += printer(b.topic, b.partition, r);
          printed += b.records.length;
          if (b.records.length) commits.push({ topic: b.topic, partition: b.partition, offset: b.records[b.records.length - 1]!.offset + 1 });
        }
        if (lines) {
          await write(lines);
          idleSince = Date.now();
          if (v.group) await consumer.commit(commits);
        } else if (Date.now() - idleSince >= timeoutMs) break;
      }
      return 0;
    } catch (err) {
      // The reader of stdout went away (`| head`): what it took was committed, the rest was not.
      if (err instanceof StdoutClosedError) return 0;
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await consumer.close();
      await client.close();
    }
  },
});

/** The offsets to seek to for a start other than the group's own position. */
async function startPositions(
  admin: LogAdmin,
  topic: string,
  tps: TopicPartition[],
  start: StartOffset | { kind: 'timestamp'; at: number },
): Promise<TopicPartitionOffset[]> {
  const [first, end] = await Promise.all([admin.listOffsets(topic, 'earliest'), admin.listOffsets(topic, 'latest')]);
  const at = start.kind === 'timestamp' ? await admin.listOffsets(topic, { timestamp: start.at }) : [];
  const find = (list: Array<{ partition: number; offset: number }>, p: number) => list.find((o) => o.partition === p)?.offset ?? 0;
  return tps.map(({ partition }) => {
    const lo = find(first, partition);
    const hi = find(end, partition);
    let offset: number;
    switch (start.kind) {
      case 'earliest':
        offset = lo;
        break;
      case 'latest':
        offset = hi;
        break;
      case 'offset':
        offset = Math.min(Math.max(start.offset, lo), hi);
        break;
      case 'fromEnd':
        offset = Math.max(lo, hi - start.count);
        break;
      case 'timestamp': {
        const o = find(at, partition);
        offset = o < 0 ? hi : o;
        break;
      }
    }
    return { topic, partition, offset };
  });
}
