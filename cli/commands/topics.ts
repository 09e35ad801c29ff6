/** sluice topics create | list | describe | delete | alter | add-partitions — kafka-topics.sh and kafka-configs.sh for topics. */
import type { TopicDescription } from '../../core/log/types.js';
import { command, UsageError } from '../args.js';
import { logOptions, outputOption, withAdmin } from '../options.js';
import { print, printJson } from '../output.js';
import { keyValue, partitionCount } from '../values.js';

const configOption = {
  config: { arg: 'KEY=VALUE', multiple: true, parse: keyValue, help: 'a topic config under its Kafka name, e.g. retention.ms=86400000 (see docs/log.md)' },
} as const;

const create = command({
  name: 'create',
  summary: 'create a topic',
  args: [{ name: 'NAME' }],
  options: {
    partitions: { arg: 'N', parse: partitionCount, required: true, help: 'number of partitions' },
    ...configOption,
    ...logOptions,
  },
  description: 'Names follow Kafka\'s rule: ASCII letters, digits, ".", "_" and "-", 1–249 characters, not "." or "..".',
  examples: ['sluice topics create orders --partitions 3 --config retention.ms=86400000 --config cleanup.policy=compact'],
  async run(v, [name]) {
    // The log checks names, counts and configs (the embedded engine, or the Kafka cluster, which knows more configs).
    const config = Object.fromEntries(v.config);
    return withAdmin(v, async (admin) => {
      if (!(await admin.createTopic(name!, { partitions: v.partitions, config }))) {
        process.stderr.write(`topic "${name}" already exists\n`);
        return 1;
      }
      print(`created topic "${name}" with ${v.partitions} partition(s)\n`);
      return 0;
    });
  },
});

const list = command({
  name: 'list',
  summary: 'list the topics',
  options: { 'exclude-internal': { help: 'leave out internal topics (names starting with "__", as kafka-topics.sh --exclude-internal)' }, ...outputOption, ...logOptions },
  async run(v) {
    return withAdmin(v, async (admin) => {
      const names = (await admin.listTopics()).filter((t) => !v['exclude-internal'] || !t.startsWith('__'));
      if (v.output === 'json') printJson(names);
      else print(names.map((t) => `${t}\n`).join(''));
      return 0;
    });
  },
});

function describeText(d: TopicDescription): string {
  const lines = [
    `topic ${d.name}${d.internal ? ' (internal)' : ''}  partitions ${d.partitions.length}`,
    `config ${Object.entries(d.config).map(([k, val]) => `${k}=${val}`).join(' ')}`,
    'partition\tlog-start\tend-offset\tbytes',
    ...d.partitions.map((p) => `${p.partition}\t${p.logStartOffset}\t${p.highWatermark}\t${p.sizeBytes < 0 ? '-' : p.sizeBytes}`),
  ];
  return lines.join('\n') + '\n';
}

const describe = command({
  name: 'describe',
  summary: 'partitions with their log start and end offsets and sizes, and the config',
  args: [{ name: 'NAME' }],
  options: { ...outputOption, ...logOptions },
  async run(v, [name]) {
    return withAdmin(v, async (admin) => {
      const d = await admin.describeTopic(name!);
      if (v.output === 'json') printJson(d);
      else print(describeText(d));
      return 0;
    });
  },
});

const del = command({
  name: 'delete',
  summary: 'delete a topic and its records',
  args: [{ name: 'NAME' }],
  options: { ...logOptions },
  async run(v, [name]) {
    return withAdmin(v, async (admin) => {
      await admin.deleteTopic(name!);
      print(`deleted topic "${name}"\n`);
      return 0;
    });
  },
});

const alter = command({
  name: 'alter',
  summary: 'change topic configs (kafka-configs.sh --alter)',
  args: [{ name: 'NAME' }],
  options: {
    ...configOption,
    'delete-config': { arg: 'KEY', multiple: true, help: 'put a config back to its default' },
    ...outputOption,
    ...logOptions,
  },
  examples: ['sluice topics alter orders --config retention.ms=3600000 --delete-config segment.bytes'],
  async run(v, [name]) {
    if (v.config.length === 0 && v['delete-config'].length === 0) throw new UsageError('give at least one --config KEY=VALUE or --delete-config KEY');
    const changes: Record<string, string | null> = Object.fromEntries(v.config);
    for (const k of v['delete-config']) {
      if (k in changes) throw new UsageError(`--config and --delete-config both name "${k}"`);
      changes[k] = null;
    }
    return withAdmin(v, async (admin) => {
      const config = await admin.alterTopicConfig(name!, changes);
      if (v.output === 'json') printJson({ name, config });
      else print(`altered topic "${name}": ${Object.entries(config).map(([k, val]) => `${k}=${val}`).join(' ')}\n`);
      return 0;
    });
  },
});

const addPartitions = command({
  name: 'add-partitions',
  summary: 'grow a topic to N partitions (kafka-topics.sh --alter --partitions)',
  args: [{ name: 'NAME' }],
  options: {
    partitions: { arg: 'N', parse: partitionCount, required: true, help: 'the new number of partitions; larger than the current one' },
    ...logOptions,
  },
  description:
    'Partitions are never removed. Records already written stay where they are, so after this a key may land on another partition than its earlier records: a keyed app sees them out of order, as with Kafka.',
  async run(v, [name]) {
    return withAdmin(v, async (admin) => {
      const before = (await admin.describeTopic(name!)).partitions.length;
      if (v.partitions <= before) throw new UsageError(`--partitions must be larger than the topic's ${before} partition(s), got ${v.partitions}`);
      await admin.createPartitions(name!, v.partitions);
      print(`topic "${name}" now has ${v.partitions} partitions (was ${before})\n`);
      return 0;
    });
  },
});

export const topics = command({
  name: 'topics',
  summary: 'create, list, describe, alter and delete topics',
  subcommands: [create, list, describe, alter, addPartitions, del],
});
