/**
 * The CDC examples of README.md and docs/connectors.md as they are: examples/postgres/orders.sql in a fresh database of the
 * private cluster, then `sluice connect` on the unchanged YAML files (PG_URL points them there).
 * pg-to-topic prints every row as a Debezium envelope; pg-to-pg keeps orders_copy equal to orders
 * through inserts, updates and deletes made between runs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgCluster } from '../support/pg-cluster.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const bin = path.join(repoRoot, 'bin/sluice.js');
const cluster = await pgCluster();
const admin = new pg.Client({ connectionString: cluster.connectionString() });
await admin.connect();
await admin.query('CREATE DATABASE examples');
const url = cluster.connectionString('examples');
const sql = new pg.Client({ connectionString: url });
await sql.connect();
await sql.query(fs.readFileSync(path.join(repoRoot, 'examples/postgres/orders.sql'), 'utf8'));
afterAll(async () => {
  await sql.end();
  await admin.end();
});

function sluice(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: repoRoot, env: { ...process.env, PG_URL: url, SLUICE_LOG_LEVEL: 'warn' }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A copy of an example folder, so that its ./data lands in a temporary directory. */
function example(name: string): string {
  const dir = path.join(tempDir('pg-example'), name);
  fs.cpSync(path.join(repoRoot, 'examples', name), dir, { recursive: true, filter: (src) => !/\/data(\/|$)/.test(src) });
  return path.join(dir, `${name}.yaml`);
}

describe('the postgres examples', () => {
  it('pg-to-topic: the rows of orders as snapshot envelopes on pg.public.orders', () => {
    const yaml = example('pg-to-topic');
    const run = sluice(['connect', yaml, '--exit-when-idle', '1500']);
    expect(run.code, run.err).toBe(0);
    const read = sluice(['consume', 'pg.public.orders', '--from-beginning', '--print-key', '--timeout-ms', '1000', '--data-dir', path.join(path.dirname(yaml), 'data')]);
    const lines = read.out.trim().split('\n').map((l) => l.split('\t'));
    expect(lines.map(([k]) => k)).toEqual(['{"id":1}', '{"id":2}', '{"id":3}']);
    const env = JSON.parse(lines[0]![1]!);
    expect(env).toMatchObject({ op: 'r', before: null, after: { id: 1, customer: 'ann', total: '12.50', status: 'new' }, source: { connector: 'postgresql', db: 'examples', schema: 'public', table: 'orders', snapshot: true } });
  });

  it('pg-to-pg: orders_copy equals orders after the first run and after changes', async () => {
    const yaml = example('pg-to-pg');
    const same = async () => {
      const a = (await sql.query('SELECT * FROM orders ORDER BY id')).rows;
      const b = (await sql.query('SELECT * FROM orders_copy ORDER BY id')).rows;
      expect(b).toEqual(a);
      return a.length;
    };
    let run = sluice(['connect', yaml, '--exit-when-idle', '1500']);
    expect(run.code, run.err).toBe(0);
    expect(await same()).toBe(3);
    await sql.query("UPDATE orders SET status = 'paid' WHERE id = 1");
    await sql.query('DELETE FROM orders WHERE id = 2');
    await sql.query("INSERT INTO orders (id, customer, total, status, created_at) VALUES (4, 'dee', 3.30, 'new', '2026-01-02 03:04:05.123456+00')");
    run = sluice(['connect', yaml, '--exit-when-idle', '1500']);
    expect(run.code, run.err).toBe(0);
    expect(await same()).toBe(3);
  });
});
