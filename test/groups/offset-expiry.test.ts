/**
 * Committed offsets expire as Kafka's do (offsets.retention.minutes, KIP-211): offsets of a group
 * without members go once older than the retention, tombstoned so they stay gone after a restart;
 * a group with members keeps its offsets.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coordinatorFor } from '../../core/groups/coordinator.js';
import { openLog } from '../../core/log/engine.js';
import { tempDir } from '../support/tmp.js';

describe('offset expiry', () => {
  it('drops the offsets of idle groups past the retention, keeps members’ and fresh ones, for good', async () => {
    const dir = path.join(tempDir('expiry'), 'd');
    let now = 1_000_000;
    const clock = { now: () => now };
    let log = await openLog({ dataDir: dir, clock, maintenanceIntervalMs: 0 });
    await log.createTopic('t', { partitions: 1 });
    let co = await coordinatorFor(log);
    co.configure({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 0 });
    const commit = (groupId: string, offset: number, generationId = -1, memberId = '') =>
      co.commitOffsets({ groupId, generationId, memberId, offsets: [{ topic: 't', partition: 0, offset }] });
    await commit('idle', 5);
    const member = await co.joinGroup({ groupId: 'busy', memberId: '', clientId: 'c', clientHost: 'h', sessionTimeoutMs: 3_600_000, rebalanceTimeoutMs: 1000, protocolType: 'consumer', protocols: [{ name: 'p', metadata: Buffer.alloc(0) }] });
    await co.syncGroup({ groupId: 'busy', generationId: member.generationId, memberId: member.memberId, assignments: [] });
    await commit('busy', 9, member.generationId, member.memberId);
    now += 120_000; // past the retention
    await commit('fresh', 3);
    await co.expireOffsets();
    const offsetOf = async (g: string) => (await co.fetchOffsets({ groupId: g, partitions: [{ topic: 't', partition: 0 }] }))[0]!.offset;
    expect(await offsetOf('idle')).toBe(-1);
    expect(await offsetOf('busy')).toBe(9);
    expect(await offsetOf('fresh')).toBe(3);
    expect((await co.listGroups()).map((g) => g.groupId).sort()).toEqual(['busy', 'fresh']);
    await co.leaveGroup({ groupId: 'busy', memberId: member.memberId });
    await log.close();
    log = await openLog({ dataDir: dir, clock, maintenanceIntervalMs: 0 });
    co = await coordinatorFor(log);
    expect((await co.fetchOffsets({ groupId: 'idle', partitions: [{ topic: 't', partition: 0 }] }))[0]!.offset).toBe(-1);
    expect((await co.fetchOffsets({ groupId: 'fresh', partitions: [{ topic: 't', partition: 0 }] }))[0]!.offset).toBe(3);
    await log.close();
  });
});
