/**
 * The sync proof: random inserts, updates and deletes (20 000 statements in mixed transactions) on a
 * source table while a `sluice connect` worker runs postgres-cdc → topic → postgres sink into a
 * second table; the worker is killed with SIGKILL 5 times and restarted, and Postgres itself is
 * restarted in the middle. At the end the two tables are identical.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { pgCluster } from '../support/pg-cluster.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const bin = path.join(repoRoot, 'bin/sluice.js');

function worker(yaml: string, extra: string[] = []): { child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [bin, 'connect', yaml, ...extra], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr }))) };
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

describe('postgres → topic → postgres under SIGKILL and a Postgres restart', () => {
  it('ends with identical tables', async () => {
    const cluster = await pgCluster();
    const url = cluster.connectionString();
    let sql = await connect(url);
    await sql.query('CREATE TABLE sync_src (id int PRIMARY KEY, v int NOT NULL, t text)');
    await sql.query('CREATE TABLE sync_dst (id int PRIMARY KEY, v int NOT NULL, t text)');
    await sql.query("INSERT INTO sync_src SELECT g, g, 'seed' FROM generate_series(1, 1000) g");
    const dir = tempDir('pg-sync');
    const yaml = path.join(dir, 'sync.yaml');
    fs.writeFileSync(
      yaml,
      [
        'app: sync',
        'dataDir: ./data',
        'batch: { maxRecords: 2000, maxWaitMs: 50 }',
        'sources:',
        '  - connector: postgres-cdc',
        '    name: cdc',
        `    config: { connectionString: "${url}", tables: [public.sync_src], slot: sync_slot, publication: sync_pub, heartbeatIntervalMs: 500 }`,
        'sinks:',
        '  - connector: postgres',
        '    name: copy',
        '    topics: [pg.public.sync_src]',
        `    config: { connectionString: "${url}", table: sync_dst, unwrap: debezium }`,
      ].join('\n'),
    );

    // The workload: 20 000 statements in transactions of 1–10, retried after Postgres restarts.
    const rnd = mulberry32(99);
    let statements = 0;
    const writer = (async () => {
      let w = await connect(url);
      while (statements < 20_000) {
        const size = 1 + Math.floor(rnd() * 10);
        const ops: Array<[string, unknown[]]> = [];
        for (let i = 0; i < size; i++) {
          const id = 1 + Math.floor(rnd() * 3000);
          const r = rnd();
          if (r < 0.4) ops.push(['INSERT INTO sync_src VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [id, i, `i${statements}`]]);
          else if (r < 0.8) ops.push(['UPDATE sync_src SET v = v + 1, t = $2 WHERE id = $1', [id, `u${statements}`]]);
          else ops.push(['DELETE FROM sync_src WHERE id = $1', [id]]);
        }
        try {
          await w.query('BEGIN');
          for (const [q, p] of ops) await w.query(q, p);
          await w.query('COMMIT');
          statements += ops.length;
        } catch {
          await w.end().catch(() => {});
          await new Promise((r) => setTimeout(r, 200));
          w = await connect(url).catch(() => w);
        }
      }
      await w.end();
    })();

    const rk = mulberry32(5);
    let kills = 0;
    for (let i = 0; i < 5; i++) {
      const wk = worker(yaml);
      await new Promise((r) => setTimeout(r, 1500 + Math.floor(rk() * 2000)));
      wk.child.kill('SIGKILL');
      if ((await wk.exit).signal === 'SIGKILL') kills++;
      if (i === 2) {
        // Postgres restarts while a worker runs: the stream breaks, the source reconnects.
        const wk2 = worker(yaml);
        await new Promise((r) => setTimeout(r, 1500));
        await cluster.restart();
        await sql.end().catch(() => {});
        sql = await connect(url);
        await new Promise((r) => setTimeout(r, 2000));
        wk2.child.kill('SIGKILL');
        await wk2.exit;
      }
    }
    expect(kills).toBe(5);
    await writer;
    expect(statements).toBeGreaterThanOrEqual(20_000);

    const final = worker(yaml, ['--exit-when-idle', '3000']);
    const end = await final.exit;
    expect(end.code, end.stderr).toBe(0);
    const src = (await sql.query('SELECT id, v, t FROM sync_src ORDER BY id')).rows;
    const dst = (await sql.query('SELECT id, v, t FROM sync_dst ORDER BY id')).rows;
    expect(src.length).toBeGreaterThan(500);
    expect(dst).toEqual(src);
    await sql.end();
  }, 240_000);
});
