/** sluice groups list | groups describe GROUP — members, committed offset, end offset and lag per partition. */
import { InvalidConfigError } from '../../core/errors.js';
import { clientFromCliOptions, parseCommand } from '../options.js';

export const usage = 'groups list | groups describe GROUP';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  const [sub, group] = positionals;
  if (sub !== 'list' && sub !== 'describe') {
    process.stderr.write(`usage: sluice ${usage}\n`);
    return 2;
  }
  const client = await clientFromCliOptions(values);
  try {
    const admin = client.admin();
    if (sub === 'list') {
      for (const g of await admin.listGroups()) process.stdout.write(`${g}\n`);
      return 0;
    }
    if (!group) throw new InvalidConfigError('sluice groups describe needs a GROUP');
    const d = await admin.describeGroup(group);
    process.stdout.write(`group ${d.groupId}  state ${d.state}${d.protocol ? `  protocol ${d.protocol}` : ''}  members ${d.members.length}\n`);
    for (const m of d.members) {
      const parts = m.assignment.map((a) => `${a.topic}/${a.partition}`).join(',') || '-';
      process.stdout.write(`member ${m.memberId}\t${m.clientId}\t${m.host}\t${parts}\n`);
    }
    process.stdout.write('topic\tpartition\tcommitted\tend-offset\tlag\n');
    for (const o of d.offsets) process.stdout.write(`${o.topic}\t${o.partition}\t${o.committed}\t${o.endOffset}\t${o.lag}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
