/**
 * Chaos: `sluice connect` with three file sources and two sinks over several topics — a file sink
 * over three topics (1, 3 and 3 partitions) and a Postgres sink over two (1 and 3 partitions,
 * `table: "public.{topic}"`) — killed with SIGKILL 20 times at random moments and restarted. In
 * the end every line of every source is in every sink that reads its topic: at least once, nothing
 * lost (a sink over several topics used to commit records of one topic that another topic's batch
 * had replaced, and never wrote them).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { embedded } from '../../core/client/embedded/client.js';
import { sluiceSpawn } from '../support/cli.js';
import { testDatabase } from '../support/pg-database.js';
import { tempDir } from '../support/tmp.js';

const TOPICS = { ca: 1, cb: 3, cc: 3 } as const;
const LINES = 12_000;
const BATCH = 1000;
/** Made at the top level, so that their removal is registered where vitest runs it. */
const dir = tempDir('chaos');
const db = await testDatabase();

/** Every id the file sink wrote for `topic`. */
function fileIds(dir: string, topic: string): Set<number> {
  const ids = new Set<number>();
  const d = path.join(dir, 'out', topic);
  for (const f of fs.existsSync(d) ? fs.readdirSync(d) : []) {
    for (const line of fs.readFileSync(path.join(d, f), 'utf8').split('\n')) {
      if (!line) continue;
      const v = JSON.parse(line) as { id: number; src: string };
      expect(v.src).toBe(topic);
      ids.add(v.id);
    }
  }
  return ids;
}

const missing = (ids: Set<number> | number[]) => {
  const have = new Set(ids);
  return Array.from({ length: LINES }, (_, i) => i).filter((i) => !have.has(i));
};

describe('chaos: sluice connect under SIGKILL', () => {
  it('three sources, two multi-topic sinks, 20 SIGKILLs: every record written at least once', async () => {
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      for (const t of ['ca', 'cb']) await sql.query(`CREATE TABLE ${t} (id int PRIMARY KEY, src text, pad text)`);

      // Topics of different partition counts exist before the app starts (as an operator makes them).
      const setup = embedded({ dataDir: path.join(dir, 'data'), maintenanceIntervalMs: 0 });
      for (const [t, n] of Object.entries(TOPICS)) await setup.admin().createTopic(t, { partitions: n });
      await setup.close();
      for (const t of Object.keys(TOPICS)) {
        fs.mkdirSync(path.join(dir, 'in', t), { recursive: true });
        const lines = Array.from({ length: LINES }, (_, id) => JSON.stringify({ id, src: t, pad: 'x'.repeat(id % 40) }));
        fs.writeFileSync(path.join(dir, 'in', t, 'lines.jsonl'), lines.join('\n') + '\n');
      }
      const yaml = path.join(dir, 'chaos.yaml');
      fs.writeFileSync(
        yaml,
        [
          'app: chaos',
          'dataDir: ./data',
          `batch: { maxRecords: ${BATCH}, maxWaitMs: 50 }`,
          'sources:',
          ...Object.keys(TOPICS).flatMap((t) => [
            '  - connector: file',
            `    name: src-${t}`,
            `    topic: ${t}`,
            `    config: { path: "./in/${t}/*.jsonl", format: jsonl, keyField: id, maxRecords: ${BATCH}, pollIntervalMs: 20 }`,
          ]),
          'sinks:',
          '  - connector: file',
          '    name: files',
          '    topics: [ca, cb, cc]',
          '    config: { dir: ./out }',
          '  - connector: postgres',
          '    name: pg',
          '    topics: [ca, cb]',
          `    config: { connectionString: "${db.url}", table: "public.{topic}", primaryKey: [id] }`,
        ].join('\n'),
      );

      const rnd = mulberry32(16);
      let kills = 0;
      for (let i = 0; i < 20; i++) {
        const p = sluiceSpawn(['connect', yaml], { cwd: dir });
        // Startup takes about half a second: kill before, during and well after it.
        await new Promise((r) => setTimeout(r, 250 + Math.floor(rnd() * 1000)));
        p.child.kill('SIGKILL');
        if ((await p.exited).signal === 'SIGKILL') kills++;
      }
      expect(kills).toBe(20);
      const final = await sluiceSpawn(['connect', yaml, '--exit-when-idle', '1000'], { cwd: dir, timeoutMs: 120_000 }).exited;
      expect(final.code, final.err).toBe(0);

      for (const t of Object.keys(TOPICS)) expect(missing(fileIds(dir, t)).slice(0, 10), `file sink, topic ${t}`).toEqual([]);
      for (const t of ['ca', 'cb']) {
        const ids = (await sql.query<{ id: number }>(`SELECT id FROM ${t}`)).rows.map((r) => r.id);
        expect(missing(ids).slice(0, 10), `postgres sink, table ${t}`).toEqual([]);
      }
      // Nothing went to the dead-letter topic on the way.
      const check = embedded({ dataDir: path.join(dir, 'data'), maintenanceIntervalMs: 0 });
      try {
        expect((await check.admin().listOffsets('chaos.dlq', 'latest'))[0]!.offset).toBe(0);
      } finally {
        await check.close();
      }
    } finally {
      await sql.end();
    }
  }, 180_000);
});
