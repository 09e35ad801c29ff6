/**
 * DSL streams over several topics — five of different partition counts, two of equal counts —
 * run by `sluice run`, killed with SIGKILL and restarted: every input record comes out at least
 * once. (Topics of different partition counts used to be refused with CopartitioningError; a
 * stream that only reads them needs no co-partitioning, as in Kafka Streams.)
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { embedded } from '../../core/client/embedded/client.js';
import { DIFFERENT, EQUAL } from '../fixtures/multi-topic-app.js';
import { sluiceSpawn } from '../support/cli.js';
import { readTopic } from '../support/log.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const fixture = path.join(repoRoot, 'test/fixtures/multi-topic-app.ts');
const PER_TOPIC = 3000;
/** Made here, at the top level, so that its removal is registered where vitest runs it. */
const dataDir = path.join(tempDir('multi-kill'), 'data');

describe('DSL streams over several topics under SIGKILL', () => {
  it('lose nothing: every record of every input is in the output', async () => {
    const setup = embedded({ dataDir, maintenanceIntervalMs: 0 });
    for (const [t, n] of Object.entries({ ...DIFFERENT, ...EQUAL })) {
      await setup.admin().createTopic(t, { partitions: n });
      for (let j = 0; j < PER_TOPIC; j += 1000) {
        await setup.producer().send(t, Array.from({ length: 1000 }, (_, k) => ({ key: `k${j + k}`, value: JSON.stringify({ t, j: j + k }), timestamp: 1_000 + j + k })));
      }
    }
    await setup.close();

    const run = (final: boolean) => sluiceSpawn(['run', fixture], { env: { SLUICE_TEST_DATA_DIR: dataDir, SLUICE_TEST_FINAL: final ? '1' : '0' }, timeoutMs: 120_000 });
    const rnd = mulberry32(23);
    let kills = 0;
    for (let i = 0; i < 8; i++) {
      const p = run(false);
      await new Promise((r) => setTimeout(r, 500 + Math.floor(rnd() * 1000)));
      p.child.kill('SIGKILL');
      if ((await p.exited).signal === 'SIGKILL') kills++;
    }
    expect(kills).toBe(8);
    const final = await run(true).exited;
    expect(final.code, final.err).toBe(0);

    const check = embedded({ dataDir, maintenanceIntervalMs: 0 });
    try {
      const { engine } = await check.deps();
      for (const [out, inputs] of [['m-out', DIFFERENT], ['e-out', EQUAL]] as const) {
        const seen = new Set((await readTopic(engine, out)).map((r) => JSON.parse(r.value!.toString()) as { t: string; j: number; copied: boolean }).map((v) => `${v.t}/${v.j}`));
        const lost = Object.keys(inputs).flatMap((t) => Array.from({ length: PER_TOPIC }, (_, j) => `${t}/${j}`)).filter((k) => !seen.has(k));
        expect(lost.slice(0, 10), out).toEqual([]);
        // As many tasks (and output partitions) as the largest input has partitions.
        expect(engine.partitionCount(out)).toBe(Math.max(...Object.values(inputs)));
      }
    } finally {
      await check.close();
    }
  }, 180_000);
});
