/** sluice topics create|list|describe|delete */
import { InvalidConfigError } from '../../core/errors.js';
import { parseConfigPairs, validatePartitionCount } from '../../core/log/topic-config.js';
import { clientFromCliOptions, parseCommand } from '../options.js';

export const usage = 'topics create NAME --partitions N [--config key=value]... | topics list | topics describe NAME | topics delete NAME';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    partitions: { type: 'string' },
    config: { type: 'string', multiple: true },
  });
  const [sub, name] = positionals;
  const needName = () => {
    if (!name) throw new InvalidConfigError(`sluice topics ${sub} needs a topic NAME`);
    return name;
  };
  if (!sub || !['create', 'list', 'describe', 'delete'].includes(sub)) {
    process.stderr.write(`usage: sluice ${usage}\n`);
    return 2;
  }
  const client = await clientFromCliOptions(values);
  try {
    const admin = client.admin();
    switch (sub) {
      case 'create': {
        const topic = needName();
        if (values.partitions === undefined) throw new InvalidConfigError('sluice topics create needs --partitions N');
        const partitions = validatePartitionCount(values.partitions);
        const created = await admin.createTopic(topic, { partitions, config: parseConfigPairs(values.config ?? []) });
        if (!created) {
          process.stderr.write(`topic "${topic}" already exists\n`);
          return 1;
        }
        process.stdout.write(`created topic "${topic}" with ${partitions} partition(s)\n`);
        return 0;
      }
      case 'list':
        for (const t of await admin.listTopics()) process.stdout.write(`${t}\n`);
        return 0;
      case 'describe': {
        const d = await admin.describeTopic(needName());
        process.stdout.write(`topic ${d.name}${d.internal ? ' (internal)' : ''}  partitions ${d.partitions.length}\n`);
        process.stdout.write(`config ${Object.entries(d.config).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
        process.stdout.write('partition\tlog-start\tend-offset\tbytes\n');
        for (const p of d.partitions) process.stdout.write(`${p.partition}\t${p.logStartOffset}\t${p.highWatermark}\t${p.sizeBytes}\n`);
        return 0;
      }
      case 'delete':
        await admin.deleteTopic(needName());
        process.stdout.write(`deleted topic "${name}"\n`);
        return 0;
    }
    return 2;
  } finally {
    await client.close();
  }
}
