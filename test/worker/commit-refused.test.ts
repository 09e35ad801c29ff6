/**
 * A commit the group refuses (the member was removed while its batch ran, as when a batch outlasts
 * the session timeout) must not stop the app: the member goes back to the committed offsets,
 * rejoins, and runs the batch again (at-least-once), as Kafka Streams does with a migrated task.
 * Before, the app failed with CommitFailedError and a supervisor had to restart it.
 */
import { mergeMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { coordinatorFor } from '../../core/groups/coordinator.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { readTopic, testLog } from '../support/log.js';

describe('a refused commit', () => {
  it('is not fatal: the member rewinds to the committed offsets, rejoins and processes the batch again', async () => {
    const log = await testLog();
    const client = log.client;
    await client.admin().createTopic('in', { partitions: 2 });
    await client.producer().send('in', Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: String(i) })));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = false;
    let reachedGate!: () => void;
    const atGate = new Promise<void>((r) => (reachedGate = r));
    const a = app({ id: 'refused', log: client, logger: silentLogger, batch: { maxRecords: 100 } });
    a.addPipeline({
      name: 'copy',
      inputs: ['in'],
      outputs: ['out'],
      build: (ctx) => (src) =>
        src.pipe(
          mergeMap(async (r) => {
            // The first batch waits here until the test has removed this member from the group.
            if (!held) {
              held = true;
              reachedGate();
              await gate;
            }
            ctx.send('out', [{ key: r.key, value: r.value }]);
          }, 1),
        ),
    });
    await a.start();
    await atGate;
    const coordinator = await coordinatorFor(log.engine);
    const group = await client.admin().describeGroup('refused.copy');
    expect(group.members).toHaveLength(1);
    expect(await coordinator.leaveGroup({ groupId: 'refused.copy', memberId: group.members[0]!.memberId })).toBe(0);
    release();
    await Promise.race([a.idle(300), a.done]);
    let failed: unknown;
    a.done.catch((e) => (failed = e));
    await new Promise((r) => setImmediate(r));
    expect(failed).toBeUndefined();
    expect(a.running).toBe(true);
    const out = await readTopic(log.engine, 'out');
    // Every record at least once; the refused batch's records possibly twice.
    expect(new Set(out.map((r) => r.value!.toString())).size).toBe(400);
    const after = await client.admin().describeGroup('refused.copy');
    expect(after.offsets.reduce((s, o) => s + o.committed, 0)).toBe(400);
    await a.stop();
  });
});
