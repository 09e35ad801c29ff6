/**
 * sluice groups list | describe | reset-offsets | delete — kafka-consumer-groups.sh: members,
 * committed offsets and lag; moving a group's offsets (earliest, latest, an offset, a time, a
 * shift) while it has no members; deleting an empty group.
 */
import { GroupNotEmptyError } from '../../core/client/errors.js';
import type { GroupDescription, TopicPartitionOffset } from '../../core/client/types.js';
import { command, UsageError } from '../args.js';
import { logOptions, outputOption, withAdmin } from '../options.js';
import { print, printJson } from '../output.js';
import { integer, timestamp } from '../values.js';
import { planReset, type ResetTarget } from '../../core/client/offset-reset.js';

const list = command({
  name: 'list',
  summary: 'list the consumer groups',
  options: { ...outputOption, ...logOptions },
  async run(v) {
    return withAdmin(v, async (admin) => {
      const groups = await admin.listGroups();
      if (v.output === 'json') printJson(groups);
      else print(groups.map((g) => `${g}\n`).join(''));
      return 0;
    });
  },
});

function describeText(d: GroupDescription): string {
  const lines = [`group ${d.groupId}  state ${d.state}${d.protocol ? `  protocol ${d.protocol}` : ''}  members ${d.members.length}`];
  for (const m of d.members) lines.push(`member ${m.memberId}\t${m.clientId}\t${m.host}\t${m.assignment.map((a) => `${a.topic}/${a.partition}`).join(',') || '-'}`);
  lines.push('topic\tpartition\tcommitted\tend-offset\tlag');
  for (const o of d.offsets) lines.push(`${o.topic}\t${o.partition}\t${o.committed}\t${o.endOffset}\t${o.lag}`);
  return lines.join('\n') + '\n';
}

const describe = command({
  name: 'describe',
  summary: 'members with their partitions; committed offset, end offset and lag per partition',
  args: [{ name: 'GROUP' }],
  options: { ...outputOption, ...logOptions },
  async run(v, [group]) {
    return withAdmin(v, async (admin) => {
      const d = await admin.describeGroup(group!);
      if (v.output === 'json') printJson(d);
      else print(describeText(d));
      return 0;
    });
  },
});


const resetOffsets = command({
  name: 'reset-offsets',
  summary: 'move the committed offsets of a group that has no members (kafka-consumer-groups.sh --reset-offsets)',
  args: [{ name: 'GROUP' }],
  options: {
    topic: { arg: 'TOPIC[:P,P...]', multiple: true, parse: topicSpec, help: 'the partitions to reset: every partition of TOPIC, or those listed' },
    'all-topics': { help: 'every topic the group has committed offsets for' },
    'to-earliest': { help: 'to the log start of each partition' },
    'to-latest': { help: 'to the end of each partition (skip everything there now)' },
    'to-offset': { arg: 'N', parse: integer(0), help: 'to offset N (kept within the log start and end)' },
    'to-datetime': { arg: 'MS|ISO-DATE', parse: timestamp, help: 'to the first record at or after this time (the end where none is that new)' },
    'shift-by': { arg: 'N', parse: integer(Number.MIN_SAFE_INTEGER), help: 'move each committed offset by N (negative: back; kept within the log start and end)' },
    'dry-run': { help: 'print the plan and change nothing' },
    ...outputOption,
    ...logOptions,
  },
  description:
    'Refused while the group has members, as Kafka refuses it: stop the apps or consumers of the group first. The plan lists each partition with its current and new offset.',
  examples: [
    'sluice groups reset-offsets readers --topic orders --to-earliest --dry-run',
    'sluice groups reset-offsets my-app.counts --all-topics --to-datetime 2026-12-01T00:00:00Z',
    'sluice groups reset-offsets readers --topic orders:0,1 --shift-by -100',
  ],
  async run(v, [group]) {
    const given: ResetTarget[] = [];
    if (v['to-earliest']) given.push({ kind: 'earliest' });
    if (v['to-latest']) given.push({ kind: 'latest' });
    if (v['to-offset'] !== undefined) given.push({ kind: 'offset', offset: v['to-offset'] });
    if (v['to-datetime'] !== undefined) given.push({ kind: 'datetime', at: v['to-datetime'] });
    if (v['shift-by'] !== undefined) given.push({ kind: 'shift', by: v['shift-by'] });
    if (given.length !== 1) throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by');
    if (v['all-topics'] === (v.topic.length > 0)) throw new UsageError('give --topic TOPIC (repeatable) or --all-topics');
    const target = given[0]!;
    return withAdmin(v, async (admin) => {
      const d = await admin.describeGroup(group!);
      const plan = await planReset(admin, d, v['all-topics'] ? 'all' : v.topic, target);
      const active = d.members.length;
      if (!v['dry-run']) {
        if (active > 0) throw new GroupNotEmptyError(group!, active);
        await admin.setGroupOffsets(group!, plan.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next }) satisfies TopicPartitionOffset));
      }
      if (v.output === 'json') printJson({ group, dryRun: v['dry-run'], partitions: plan });
      else {
        const head = v['dry-run']
          ? `dry run: nothing changed${active > 0 ? ` (the group has ${active} active member(s): the reset would be refused until they stop)` : ''}`
          : `reset ${plan.length} partition(s) of group "${group}"`;
        print([head, 'topic\tpartition\tcurrent-offset\tnew-offset', ...plan.map((r) => `${r.topic}\t${r.partition}\t${r.current ?? '-'}\t${r.next}`)].join('\n') + '\n');
      }
      return 0;
    });
  },
});

/** TOPIC or TOPIC:0,2 */
function topicSpec(raw: string, flag: string): { topic: string; partitions?: number[] } {
  const m = /^([^:]+)(?::(\d+(?:,\d+)*))?$/.exec(raw);
  if (!m) throw new UsageError(`${flag} must be TOPIC or TOPIC:P[,P...], got "${raw}"`);
  return { topic: m[1]!, partitions: m[2]?.split(',').map(Number) };
}


const del = command({
  name: 'delete',
  summary: 'delete a group that has no members, with its committed offsets',
  args: [{ name: 'GROUP' }],
  options: { ...logOptions },
  async run(v, [group]) {
    return withAdmin(v, async (admin) => {
      await admin.deleteGroup(group!);
      print(`deleted group "${group}"\n`);
      return 0;
    });
  },
});

export const groups = command({
  name: 'groups',
  summary: 'list, describe, reset the offsets of and delete consumer groups',
  subcommands: [list, describe, resetOffsets, del],
});
