/** Consumer groups: members, assignment, committed and end offsets and lag; reset offsets while empty; delete. */
import { z } from 'zod';
import { GroupNotEmptyError, UnknownGroupError } from '../../core/client/errors.js';
import type { LogClient } from '../../core/client/types.js';
import { planReset } from '../../core/client/offset-reset.js';
import { route } from '../route.js';
import { groupParams } from './params.js';

const tp = z.object({ topic: z.string(), partition: z.number().int() });
const groupDescription = z.object({
  groupId: z.string(),
  state: z.enum(['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']),
  protocol: z.string(),
  members: z.array(z.object({ memberId: z.string(), clientId: z.string(), host: z.string(), assignment: z.array(tp) })),
  offsets: z.array(tp.extend({ committed: z.number().int(), endOffset: z.number().int(), lag: z.number().int() })),
});

/** The group, or UnknownGroupError (404) when it has neither members nor committed offsets. */
async function describeOrThrow(client: LogClient, group: string) {
  const admin = client.admin();
  if (!(await admin.listGroups()).includes(group)) throw new UnknownGroupError(group);
  return admin.describeGroup(group);
}

export const resetBody = z
  .object({
    to: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('earliest') }),
      z.object({ kind: z.literal('latest') }),
      z.object({ kind: z.literal('offset'), offset: z.number().int().min(0) }),
      z.object({ kind: z.literal('datetime'), at: z.number().int().min(0).describe('ms since the epoch') }),
      z.object({ kind: z.literal('shift'), by: z.number().int() }),
    ]),
    topics: z
      .union([z.literal('all'), z.array(z.object({ topic: z.string().min(1), partitions: z.array(z.number().int().min(0)).optional() })).min(1)])
      .default('all')
      .describe("'all': every partition the group has committed offsets for"),
    dryRun: z.boolean().default(false).describe('answer the plan, change nothing'),
  })
  .strict();

export const groupRoutes = [
  route({
    method: 'GET',
    path: '/api/groups',
    tag: 'groups',
    summary: 'list consumer groups with state, member count and total lag',
    response: z.array(z.object({ groupId: z.string(), state: z.string(), members: z.number().int(), lag: z.number().int() })),
    async handler(_i, { client }) {
      const admin = client.admin();
      const out = [];
      for (const g of (await admin.listGroups()).sort()) {
        const d = await admin.describeGroup(g);
        out.push({ groupId: g, state: d.state, members: d.members.length, lag: d.offsets.reduce((n, o) => n + Math.max(0, o.lag), 0) });
      }
      return out;
    },
  }),
  route({
    method: 'GET',
    path: '/api/groups/{group}',
    tag: 'groups',
    summary: 'members with their partitions; committed offset, end offset and lag per partition',
    params: groupParams,
    response: groupDescription,
    handler: ({ params }, { client }) => describeOrThrow(client, params.group),
  }),
  route({
    method: 'POST',
    path: '/api/groups/{group}/offsets/reset',
    tag: 'groups',
    summary: 'move committed offsets (earliest, latest, an offset, a time, a shift), as `sluice groups reset-offsets`; 409 while the group has members',
    params: groupParams,
    body: resetBody,
    response: z.object({ group: z.string(), dryRun: z.boolean(), partitions: z.array(tp.extend({ current: z.number().int().nullable(), next: z.number().int() })) }),
    async handler({ params, body }, { client }) {
      const admin = client.admin();
      const d = await describeOrThrow(client, params.group);
      const plan = await planReset(admin, d, body.topics, body.to);
      if (!body.dryRun) {
        if (d.members.length > 0) throw new GroupNotEmptyError(params.group, d.members.length);
        await admin.setGroupOffsets(params.group, plan.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next })));
      }
      return { group: params.group, dryRun: body.dryRun, partitions: plan };
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/groups/{group}',
    tag: 'groups',
    summary: 'delete a group that has no members, with its committed offsets (409 while it has members)',
    status: 204,
    params: groupParams,
    async handler({ params }, { client }) {
      await describeOrThrow(client, params.group);
      await client.admin().deleteGroup(params.group);
    },
  }),
];
