/**
 * sluice produce TOPIC: one record per stdin line, like kafka-console-producer. Text lines (an
 * optional key before --key-separator) or, with --format json, one JSON object per line with key,
 * value, headers, partition and timestamp. A null value is a tombstone. Lines are sent in batches
 * as they arrive; a missing topic is created with one partition (as Kafka's auto-creation would),
 * with a note on stderr.
 */
import readline from 'node:readline';
import { InvalidConfigError } from '../../core/errors.js';
import type { ProducerRecord } from '../../core/client/types.js';
import { command, UsageError } from '../args.js';
import { clientFromCliOptions, logOptions } from '../options.js';
import { integer, keyValue, nonEmpty, oneOf } from '../values.js';

const BATCH = 1000;
// Declared outside the options literal: a generic call inside it would defeat the inference of the option types.
const inputFormat = oneOf('text', 'json');

export const produce = command({
  name: 'produce',
  summary: 'write stdin lines to a topic, one record each (kafka-console-producer)',
  args: [{ name: 'TOPIC' }],
  options: {
    format: { arg: 'FORMAT', parse: inputFormat, default: 'text', help: 'text: the line is the value (after an optional key); json: {"key", "value", "headers", "partition", "timestamp"} per line' },
    'key-separator': { arg: 'SEP', parse: nonEmpty, help: 'text: the line is KEY SEP VALUE (a line without SEP has a null key)' },
    'null-marker': { arg: 'TEXT', help: 'text: a key or value equal to TEXT is sent as null (a null value is a tombstone)' },
    header: { arg: 'KEY=VALUE', multiple: true, parse: keyValue, help: 'a header on every record' },
    partition: { arg: 'P', parse: integer(0), help: 'write every record to partition P (default: the key\'s partition, murmur2 as Kafka)' },
    ...logOptions,
  },
  description: [
    'With --format json each line is an object: "value" is a string (sent as it is), any other JSON',
    '(sent as its JSON text) or null (a tombstone); "key" the same, or absent; "headers" an object of',
    'strings; "partition" and "timestamp" (ms) optional. A line that is not such an object stops the',
    'command with exit code 1, naming the line; the lines before it were sent.',
  ].join('\n'),
  examples: [
    "printf 'alice:{\"total\":12}\\nbob:{\"total\":7}\\n' | sluice produce orders --key-separator :",
    "echo 'alice:NULL' | sluice produce orders --key-separator : --null-marker NULL        # a tombstone for alice",
    'echo \'{"key":"alice","value":{"total":12},"headers":{"source":"cli"}}\' | sluice produce orders --format json',
  ],
  async run(v, [topic]) {
    if (v.format === 'json' && (v['key-separator'] !== undefined || v['null-marker'] !== undefined)) {
      throw new UsageError('--key-separator and --null-marker are for --format text; JSON lines carry "key" and a null "value"');
    }
    const headers = v.header.length ? Object.fromEntries(v.header) : undefined;
    const toRecord = v.format === 'json' ? jsonLine : textLine(v['key-separator'], v['null-marker']);
    const client = await clientFromCliOptions(v);
    let count = 0;
    try {
      const admin = client.admin();
      if (!(await admin.listTopics()).includes(topic!)) {
        await admin.createTopic(topic!, { partitions: 1 });
        process.stderr.write(`created topic "${topic}" with 1 partition\n`);
      }
      const producer = client.producer();
      let batch: ProducerRecord[] = [];
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
          await producer.send(topic!, b);
          count += b.length;
        });
        return chain;
      };
      const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
      let lineNo = 0;
      try {
        for await (const line of rl) {
          lineNo++;
          if (v.format === 'json' && line.trim() === '') continue;
          const r = toRecord(line, lineNo);
          if (headers) r.headers = { ...headers, ...r.headers };
          if (v.partition !== undefined) r.partition = v.partition;
          batch.push(r);
          if (batch.length >= BATCH) await flush();
          else timer ??= setTimeout(() => void flush(), 50);
        }
      } catch (err) {
        await flush().catch(() => {});
        if (err instanceof InvalidConfigError) err.message += `; ${count} record(s) before it were sent`;
        throw err;
      }
      await flush();
      await producer.close();
      process.stderr.write(`produced ${count} record(s) to "${topic}"\n`);
      return 0;
    } finally {
      await client.close();
    }
  },
});

function textLine(sep: string | undefined, nullMarker: string | undefined): (line: string) => ProducerRecord {
  const nullable = (s: string) => (nullMarker !== undefined && s === nullMarker ? null : s);
  return (line) => {
    if (sep !== undefined) {
      const i = line.indexOf(sep);
      if (i >= 0) return { key: nullable(line.slice(0, i)), value: nullable(line.slice(i + sep.length)) };
    }
    return { key: null, value: nullable(line) };
  };
}

/** A string is sent as it is; any other JSON as its text; null stays null. */
function jsonBytes(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function jsonLine(line: string, lineNo: number): ProducerRecord {
  const bad = (why: string) => new InvalidConfigError(`stdin line ${lineNo}: ${why}`);
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (err) {
    throw bad(`not JSON (${(err as Error).message})`);
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw bad('expected an object like {"key": "k", "value": {...}}');
  const { key, value, headers, partition, timestamp, ...rest } = o as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw bad(`unknown field "${unknown[0]}" (known: key, value, headers, partition, timestamp)`);
  if (!('value' in (o as object))) throw bad('"value" is missing (null for a tombstone)');
  const r: ProducerRecord = { key: jsonBytes(key), value: jsonBytes(value) };
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers) || Object.values(headers).some((h) => typeof h !== 'string')) throw bad('"headers" must be an object of strings');
    r.headers = headers as Record<string, string>;
  }
  if (partition !== undefined) {
    if (!Number.isInteger(partition) || (partition as number) < 0) throw bad('"partition" must be a non-negative integer');
    r.partition = partition as number;
  }
  if (timestamp !== undefined) {
    if (!Number.isSafeInteger(timestamp) || (timestamp as number) < 0) throw bad('"timestamp" must be milliseconds since the epoch');
    r.timestamp = timestamp as number;
  }
  return r;
}
