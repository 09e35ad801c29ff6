import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import type { LogConsumer, TopicPartition } from '../../core/client/types.js';
import { decodeMemberAssignment, decodeMemberMetadata, encodeMemberAssignment, encodeMemberMetadata } from '../../core/groups/consumer-protocol.js';
import { coordinatorFor } from '../../core/groups/coordinator.js';
import { KafkaErrorCode } from '../../core/kafka-errors.js';
import { openLog } from '../../core/log/engine.js';
import { tempDir } from '../support/tmp.js';

const require = createRequire(import.meta.url);
const { AssignerProtocol } = require('kafkajs');

const base = tempDir('groups');
let n = 0;
const freshDir = () => path.join(base, `d${n++}`);

async function drain(c: LogConsumer, seen: Map<string, number>, rounds: number, commit = true): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const batches = await c.poll({ maxWaitMs: 50 });
    for (const b of batches) {
      for (const r of b.records) seen.set(r.value!.toString(), (seen.get(r.value!.toString()) ?? 0) + 1);
      if (commit) await c.commit([{ topic: b.topic, partition: b.partition, offset: b.records[b.records.length - 1]!.offset + 1 }]);
    }
  }
}

describe('consumer protocol encodings', () => {
  it('match kafkajs AssignerProtocol both ways', () => {
    const meta = encodeMemberMetadata({ topics: ['a', 'b'], userData: Buffer.from('u') });
    expect(meta.equals(AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['a', 'b'], userData: Buffer.from('u') }))).toBe(true);
    expect(decodeMemberMetadata(meta).topics).toEqual(['a', 'b']);
    const assignment = { a: [0, 2], b: [1] };
    const ours = encodeMemberAssignment({ assignment });
    expect(AssignerProtocol.MemberAssignment.decode(ours).assignment).toEqual(assignment);
    const theirs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment });
    expect(decodeMemberAssignment(theirs).assignment).toEqual(assignment);
  });
});

describe('group coordinator', () => {
  it('runs join, sync, heartbeat and leave with Kafka error codes', async () => {
    const log = await openLog({ memory: true, maintenanceIntervalMs: 0 });
    await log.createTopic('t', { partitions: 1 });
    const co = await coordinatorFor(log);
    const join = (memberId = '') =>
      co.joinGroup({ groupId: 'g', memberId, clientId: 'c', clientHost: 'h', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 5_000, protocolType: 'consumer', protocols: [{ name: 'p', metadata: Buffer.from('m') }] });
    const a = await join();
    expect(a).toMatchObject({ errorCode: 0, generationId: 1, leaderId: a.memberId });
    expect(a.members).toHaveLength(1);
    const syncA = await co.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, assignments: [{ memberId: a.memberId, assignment: Buffer.from('all') }] });
    expect(syncA.assignment.toString()).toBe('all');
    expect(await co.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).toBe(0);
    expect(await co.heartbeat({ groupId: 'g', generationId: 1, memberId: 'nobody' })).toBe(KafkaErrorCode.UNKNOWN_MEMBER_ID);
    // A second member starts a rebalance: the first learns it from its heartbeat and rejoins.
    const bJoin = join();
    expect(await co.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).toBe(KafkaErrorCode.REBALANCE_IN_PROGRESS);
    const [a2, b] = await Promise.all([join(a.memberId), bJoin]);
    expect(a2.generationId).toBe(2);
    expect(b.generationId).toBe(2);
    expect(a2.leaderId).toBe(a.memberId);
    expect(a2.members).toHaveLength(2);
    expect(b.members).toHaveLength(0);
    expect(await co.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId })).toBe(KafkaErrorCode.ILLEGAL_GENERATION);
    const followerSync = co.syncGroup({ groupId: 'g', generationId: 2, memberId: b.memberId, assignments: [] });
    await co.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, assignments: [{ memberId: b.memberId, assignment: Buffer.from('half') }] });
    expect((await followerSync).assignment.toString()).toBe('half');
    expect((await co.commitOffsets({ groupId: 'g', generationId: 1, memberId: b.memberId, offsets: [{ topic: 't', partition: 0, offset: 5 }] }))[0]!.errorCode).toBe(KafkaErrorCode.ILLEGAL_GENERATION);
    expect((await co.commitOffsets({ groupId: 'g', generationId: 2, memberId: b.memberId, offsets: [{ topic: 't', partition: 0, offset: 5 }] }))[0]!.errorCode).toBe(0);
    expect(await co.leaveGroup({ groupId: 'g', memberId: b.memberId })).toBe(0);
    expect((await co.describeGroup('g')).state).toBe('PreparingRebalance');
    await co.close();
    await log.close();
  });

  it('expires a member that stops heartbeating and hands its partitions over', async () => {
    const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
    await client.admin().createTopic('t', { partitions: 2 });
    const { coordinator } = await client.deps();
    // A member that joins and then goes silent (a crashed process).
    const ghost = await coordinator.joinGroup({ groupId: 'g', memberId: '', clientId: 'ghost', clientHost: 'h', sessionTimeoutMs: 1000, rebalanceTimeoutMs: 1000, protocolType: 'consumer', protocols: [{ name: 'RoundRobinAssigner', metadata: encodeMemberMetadata({ topics: ['t'] }) }] });
    await coordinator.syncGroup({ groupId: 'g', generationId: ghost.generationId, memberId: ghost.memberId, assignments: [{ memberId: ghost.memberId, assignment: encodeMemberAssignment({ assignment: { t: [0, 1] } }) }] });
    let owned: TopicPartition[] = [];
    const c = client.consumer({ groupId: 'g', topics: ['t'], sessionTimeoutMs: 6000, listener: { onAssigned: (tps) => void (owned = tps) } });
    await c.poll({ maxWaitMs: 0 });
    expect(owned.map((t) => t.partition).sort()).toEqual([0, 1]);
    const d = await client.admin().describeGroup('g');
    expect(d.members.map((m) => m.clientId)).toEqual(['sluice']);
    await client.close();
  });
});

describe('group coordinator: member ids and static members', () => {
  const base = { clientId: 'c', clientHost: 'h', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 5_000, protocolType: 'consumer', protocols: [{ name: 'p', metadata: Buffer.from('m') }] };

  it('hands a new member its id first when the client asks for KIP-394 (JoinGroup v4+), and forgets it if it never comes back', async () => {
    const log = await openLog({ memory: true, maintenanceIntervalMs: 0 });
    const co = await coordinatorFor(log);
    const first = await co.joinGroup({ ...base, groupId: 'k', memberId: '', requireKnownMemberId: true });
    expect(first.errorCode).toBe(KafkaErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).not.toBe('');
    expect((await co.describeGroup('k')).members).toHaveLength(0);
    const second = await co.joinGroup({ ...base, groupId: 'k', memberId: first.memberId, requireKnownMemberId: true });
    expect(second).toMatchObject({ errorCode: 0, memberId: first.memberId, leaderId: first.memberId, generationId: 1 });
    // An id that was never handed out is unknown.
    expect((await co.joinGroup({ ...base, groupId: 'k', memberId: 'made-up', requireKnownMemberId: true })).errorCode).toBe(KafkaErrorCode.UNKNOWN_MEMBER_ID);
    // A pending id expires after the session timeout.
    const pending = await co.joinGroup({ ...base, groupId: 'k2', memberId: '', requireKnownMemberId: true, sessionTimeoutMs: 1000 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await co.joinGroup({ ...base, groupId: 'k2', memberId: pending.memberId, requireKnownMemberId: true })).errorCode).toBe(KafkaErrorCode.UNKNOWN_MEMBER_ID);
    await co.close();
    await log.close();
  });

  it('lets a static member restart without a rebalance, fences its old member id, and lets it leave by instance id', async () => {
    const log = await openLog({ memory: true, maintenanceIntervalMs: 0 });
    const co = await coordinatorFor(log);
    const a = await co.joinGroup({ ...base, groupId: 's', memberId: '', groupInstanceId: 'worker-1' });
    await co.syncGroup({ groupId: 's', generationId: a.generationId, memberId: a.memberId, assignments: [{ memberId: a.memberId, assignment: Buffer.from('a') }] });
    const bJoin = co.joinGroup({ ...base, groupId: 's', memberId: '', groupInstanceId: 'worker-2' });
    const a2 = await co.joinGroup({ ...base, groupId: 's', memberId: a.memberId, groupInstanceId: 'worker-1' });
    const b = await bJoin;
    expect(a2.generationId).toBe(2);
    expect(a2.members.map((m) => m.groupInstanceId).sort()).toEqual(['worker-1', 'worker-2']);
    const assignments = [
      { memberId: a2.memberId, assignment: Buffer.from('for-1') },
      { memberId: b.memberId, assignment: Buffer.from('for-2') },
    ];
    const [syncA] = await Promise.all([co.syncGroup({ groupId: 's', generationId: 2, memberId: a2.memberId, assignments }), co.syncGroup({ groupId: 's', generationId: 2, memberId: b.memberId, assignments: [] })]);
    expect(syncA.assignment.toString()).toBe('for-1');

    // worker-2 restarts (new process, empty member id): it takes its place at once, with the same
    // generation and assignment, and nobody rebalances.
    const b2 = await co.joinGroup({ ...base, groupId: 's', memberId: '', groupInstanceId: 'worker-2' });
    expect(b2).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(b2.memberId).not.toBe(b.memberId);
    expect((await co.syncGroup({ groupId: 's', generationId: 2, memberId: b2.memberId, groupInstanceId: 'worker-2', assignments: [] })).assignment.toString()).toBe('for-2');
    expect(await co.heartbeat({ groupId: 's', generationId: 2, memberId: a2.memberId, groupInstanceId: 'worker-1' })).toBe(0);
    expect((await co.describeGroup('s')).state).toBe('Stable');
    // The old process, still around, is fenced.
    expect(await co.heartbeat({ groupId: 's', generationId: 2, memberId: b.memberId, groupInstanceId: 'worker-2' })).toBe(KafkaErrorCode.FENCED_INSTANCE_ID);
    const staleCommit = await co.commitOffsets({ groupId: 's', generationId: 2, memberId: b.memberId, groupInstanceId: 'worker-2', offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    expect(staleCommit[0]!.errorCode).toBe(KafkaErrorCode.FENCED_INSTANCE_ID);

    // Leaving by instance id alone.
    expect(await co.leaveGroup({ groupId: 's', memberId: '', groupInstanceId: 'worker-2' })).toBe(0);
    expect((await co.describeGroup('s')).members.map((m) => m.groupInstanceId)).toEqual(['worker-1']);
    await co.close();
    await log.close();
  });

  it('deletes an empty group with its offsets, and refuses a group with members', async () => {
    const log = await openLog({ memory: true, maintenanceIntervalMs: 0 });
    const co = await coordinatorFor(log);
    await log.createTopic('t', { partitions: 1 });
    await co.commitOffsets({ groupId: 'd', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 4 }] });
    const m = await co.joinGroup({ ...base, groupId: 'd', memberId: '' });
    expect(await co.deleteGroup('d')).toBe(KafkaErrorCode.NON_EMPTY_GROUP);
    await co.leaveGroup({ groupId: 'd', memberId: m.memberId });
    expect(await co.deleteGroup('d')).toBe(0);
    expect(await co.fetchOffsets({ groupId: 'd' })).toEqual([]);
    expect(await co.deleteGroup('d')).toBe(KafkaErrorCode.GROUP_ID_NOT_FOUND);
    expect((await co.listGroups()).map((g) => g.groupId)).not.toContain('d');
    await co.close();
    await log.close();
  });
});

describe('embedded consumers in a group', () => {
  it('split partitions, and the survivor continues from the committed offsets without skipping', async () => {
    const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
    await client.admin().createTopic('t', { partitions: 4 });
    const producer = client.producer();
    const send = (prefix: string, count: number) => producer.send('t', Array.from({ length: count }, (_, i) => ({ key: `${prefix}${i}`, value: `${prefix}${i}` })));
    await send('a', 200);
    const owned = new Map<string, TopicPartition[]>();
    const mk = (name: string) => client.consumer({ groupId: 'g', topics: ['t'], clientId: name, heartbeatIntervalMs: 100, listener: { onAssigned: (tps) => void owned.set(name, tps) } });
    const c1 = mk('c1');
    const c2 = mk('c2');
    const seen = new Map<string, number>();
    await Promise.all([drain(c1, seen, 8), drain(c2, seen, 8)]);
    expect(owned.get('c1')!.length).toBe(2);
    expect(owned.get('c2')!.length).toBe(2);
    expect(seen.size).toBe(200);
    // c2 read some records without committing them, then leaves: they must be read again by c1.
    await send('b', 100);
    const uncommitted = new Map<string, number>();
    await drain(c2, uncommitted, 1, false);
    await c2.close();
    await send('c', 100);
    await drain(c1, seen, 10);
    expect(owned.get('c1')!.length).toBe(4);
    for (let i = 0; i < 100; i++) {
      expect(seen.get(`b${i}`)).toBeGreaterThanOrEqual(1);
      expect(seen.get(`c${i}`)).toBe(1);
    }
    const desc = await client.admin().describeGroup('g');
    expect(desc.offsets.reduce((s, o) => s + o.lag, 0)).toBe(0);
    expect(desc.offsets.reduce((s, o) => s + o.committed, 0)).toBe(400);
    await client.close();
  });

  it('share a poll\'s record budget fairly: a partition with a long backlog does not starve the others', async () => {
    const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
    await client.admin().createTopic('a', { partitions: 1 });
    await client.admin().createTopic('b', { partitions: 1 });
    for (const t of ['a', 'b']) await client.producer().send(t, Array.from({ length: 100 }, (_, i) => ({ value: `${t}${i}` })));
    const c = client.consumer({ groupId: 'fair', topics: ['a', 'b'] });
    const got = new Map<string, number>();
    for (let i = 0; i < 4; i++) {
      const batches = await c.poll({ maxWaitMs: 100, maxRecords: 30 });
      expect(batches.map((b) => b.topic).sort()).toEqual(['a', 'b']);
      for (const b of batches) got.set(b.topic, (got.get(b.topic) ?? 0) + b.records.length);
    }
    // Four polls of 30 records: each poll reads both topics, 15 records each.
    expect(Object.fromEntries(got)).toEqual({ a: 60, b: 60 });
    // What one partition leaves of its share goes to another that has more: b has 40 left, a 140.
    await client.producer().send('a', Array.from({ length: 100 }, (_, i) => ({ value: `a${100 + i}` })));
    const drained = new Map<string, number[]>();
    for (let i = 0; i < 3; i++) {
      for (const b of await c.poll({ maxWaitMs: 100, maxRecords: 30 })) drained.set(b.topic, [...(drained.get(b.topic) ?? []), ...b.records.map((r) => r.offset)]);
    }
    expect(drained.get('b')).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
    expect(drained.get('a')).toEqual(Array.from({ length: 50 }, (_, i) => 60 + i)); // 3 polls × 30 = 90 records in all
    await client.close();
  });

  it('keep committed offsets across a restart', async () => {
    const dir = freshDir();
    let client = embedded({ dataDir: dir, maintenanceIntervalMs: 0 });
    await client.admin().createTopic('t', { partitions: 1 });
    await client.producer().send('t', Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })));
    let c = client.consumer({ groupId: 'g', topics: ['t'] });
    const first = await c.poll({ maxWaitMs: 100, maxRecords: 4 });
    expect(first[0]!.records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    await c.commit([{ topic: 't', partition: 0, offset: 4 }]);
    await client.close();
    client = embedded({ dataDir: dir, maintenanceIntervalMs: 0 });
    c = client.consumer({ groupId: 'g', topics: ['t'] });
    expect(await c.committed([{ topic: 't', partition: 0 }])).toEqual([{ topic: 't', partition: 0, offset: 4 }]);
    const next = await c.poll({ maxWaitMs: 100 });
    expect(next[0]!.records.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    await client.close();
  });
});
