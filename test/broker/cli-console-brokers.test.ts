/**
 * The console tools with --brokers against `sluice broker`: headers, tombstones and start
 * positions through kafkajs; groups reset-offsets through Kafka's admin path (refused while the
 * group has a live member, as Kafka refuses it); CreatePartitions, AlterConfigs (incrementally
 * over Kafka's whole-set AlterConfigs) and DeleteGroups through kafkajs's admin.
 */
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { sluice as run } from '../cli/run-cli.js';
import { testBroker } from './support.js';

const broker = await testBroker();
const sluice = (args: string[], input?: string) => run([...args, '--brokers', broker.address], { input, timeoutMs: 120_000 });

describe('console tools with --brokers', () => {
  it('produces headers and tombstones and consumes them from a position, as JSON', async () => {
    expect((await sluice(['topics', 'create', 'b-events', '--partitions', '2'])).code).toBe(0);
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ key: `k${i}`, value: i === 9 ? null : { i }, partition: i % 2, headers: { n: String(i) } }));
    const p = await sluice(['produce', 'b-events', '--format', 'json', '--header', 'via=broker'], lines.join('\n') + '\n');
    expect(p.code, p.err).toBe(0);
    const c = await sluice(['consume', 'b-events', '--partition', '1', '--offset', '-2', '--format', 'json', '--timeout-ms', '3000']);
    expect(c.code, c.err).toBe(0);
    const recs = c.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((r: { key: string; value: string | null; headers: Record<string, string> }) => [r.key, r.value, r.headers])).toEqual([
      ['k7', '{"i":7}', { n: '7', via: 'broker' }],
      ['k9', null, { n: '9', via: 'broker' }],
    ]);
    const topics = JSON.parse((await sluice(['topics', 'list', '--output', 'json'])).out);
    expect(topics).toContain('b-events');
  });

  it('resets a group\'s offsets, and refuses while the group has a member', async () => {
    expect((await sluice(['consume', 'b-events', '--from-beginning', '--group', 'b-readers', '--timeout-ms', '2000'])).code).toBe(0);
    const committed = async () => JSON.parse((await sluice(['groups', 'describe', 'b-readers', '--output', 'json'])).out).offsets.map((o: { committed: number }) => o.committed);
    expect(await committed()).toEqual([5, 5]);
    const dry = await sluice(['groups', 'reset-offsets', 'b-readers', '--all-topics', '--shift-by', '-2', '--dry-run']);
    expect(dry.out).toContain('b-events\t0\t5\t3');
    expect(await committed()).toEqual([5, 5]);
    const r = await sluice(['groups', 'reset-offsets', 'b-readers', '--topic', 'b-events', '--to-earliest']);
    expect(r.code, r.err).toBe(0);
    expect(await committed()).toEqual([0, 0]);

    // A live member of the group (an in-process consumer on the broker's log).
    const client = embedded(broker.engine);
    const member = client.consumer({ groupId: 'b-readers', topics: ['b-events'] });
    try {
      await member.start();
      await member.poll({ maxWaitMs: 200 });
      const refused = await sluice(['groups', 'reset-offsets', 'b-readers', '--topic', 'b-events', '--to-latest']);
      expect(refused.code).toBe(1);
      expect(refused.err.trim()).toBe('sluice groups reset-offsets: group "b-readers" has 1 active member(s); stop them first (offsets can only be changed, and a group deleted, while it is empty)');
      const plan = await sluice(['groups', 'reset-offsets', 'b-readers', '--topic', 'b-events', '--to-latest', '--dry-run']);
      expect(plan.code).toBe(0);
      expect(plan.out).toMatch(/the group has 1 active member\(s\): the reset would be refused until they stop/);
    } finally {
      await member.close();
      await client.close();
    }
  });

  it('adds partitions, alters configs and deletes groups through the admin APIs', async () => {
    const grown = await sluice(['topics', 'add-partitions', 'b-events', '--partitions', '3']);
    expect(grown.code, grown.err).toBe(0);
    expect(broker.engine.partitionCount('b-events')).toBe(3);
    const altered = await sluice(['topics', 'alter', 'b-events', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact']);
    expect(altered.code, altered.err).toBe(0);
    expect(broker.engine.describeTopic('b-events').config).toMatchObject({ 'retention.ms': 3_600_000, 'cleanup.policy': 'compact' });
    // Incremental: a second change keeps the first; --delete-config puts a key back to its default.
    expect((await sluice(['topics', 'alter', 'b-events', '--delete-config', 'cleanup.policy'])).code).toBe(0);
    expect(broker.engine.describeTopic('b-events').config).toMatchObject({ 'retention.ms': 3_600_000, 'cleanup.policy': 'delete' });
    expect((await sluice(['groups', 'delete', 'b-readers'])).code).toBe(0);
    expect(JSON.parse((await sluice(['groups', 'list', '--output', 'json'])).out)).not.toContain('b-readers');
    const again = await sluice(['groups', 'delete', 'b-readers']);
    expect(again.code).toBe(1);
    expect(again.err.trim()).toBe('sluice groups delete: group "b-readers" does not exist');
  });
});
