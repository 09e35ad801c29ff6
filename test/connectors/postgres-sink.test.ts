/**
 * The postgres sink through the worker, against the machine's Postgres (a database of its own):
 * upserts and deletes by key in one transaction per batch, insert mode, Debezium unwrapping, the
 * last change per key within a batch, idempotent replay, autoCreate with inferred types, and bad
 * config failing at start with the field named.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresSink, postgresSinkConfig } from '../../connectors/postgres/index.js';
import { app, type App } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { testDatabase } from '../support/pg-database.js';
import { pgCluster } from '../support/pg-cluster.js';
import { readTopic, testLog } from '../support/log.js';

const db = await testDatabase();
const sql = new pg.Client({ connectionString: db.url });
await sql.connect();
afterAll(() => sql.end());

let n = 0;
async function run(config: Record<string, unknown>, records: Array<{ key: unknown; value: unknown }>, partitions = 1) {
  const log = await testLog();
  const topic = `t${n}`;
  await log.client.admin().createTopic(topic, { partitions });
  await log.client.producer().send(
    topic,
    records.map((r) => ({ key: r.key === null ? null : JSON.stringify(r.key), value: r.value === null ? null : typeof r.value === 'string' ? r.value : JSON.stringify(r.value) })),
  );
  const a: App = app({ id: `pg${n++}`, log: log.client, logger: silentLogger, errors: { retries: 0 } });
  a.addSink('out', new PostgresSink(postgresSinkConfig.parse({ connectionString: db.url, ...config })), { topics: [topic] });
  await a.start();
  await a.idle(300);
  const dlq = await readTopic(log.engine, `${a.id}.dlq`);
  await a.stop();
  return { dlq };
}

const rows = async (table: string) => (await sql.query(`SELECT * FROM ${table} ORDER BY id`)).rows;

describe('postgres sink', () => {
  it('upserts by key and deletes on a tombstone, keeping the last change per key of a batch', async () => {
    await sql.query('CREATE TABLE accounts (id bigint PRIMARY KEY, name text, balance numeric(12,2), tags text[], meta jsonb, active boolean)');
    const { dlq } = await run({ table: 'accounts' }, [
      { key: { id: 1 }, value: { id: 1, name: 'Ann', balance: '10.50', tags: ['a'], meta: { x: 1 }, active: true } },
      { key: { id: 2 }, value: { id: 2, name: 'Bob', balance: '3.00', tags: [], meta: null, active: false } },
      { key: { id: 3 }, value: { id: 3, name: 'Cy', balance: '1', tags: ['c'], meta: { y: [1, 2] }, active: true } },
      { key: { id: 1 }, value: { id: 1, name: 'Ann B', balance: '11.00', tags: ['a', 'b'], meta: { x: 2 }, active: true } },
      { key: { id: 2 }, value: null },
      { key: { id: 4 }, value: 'not json' },
    ]);
    expect(await rows('accounts')).toEqual([
      { id: '1', name: 'Ann B', balance: '11.00', tags: ['a', 'b'], meta: { x: 2 }, active: true },
      { id: '3', name: 'Cy', balance: '1.00', tags: ['c'], meta: { y: [1, 2] }, active: true },
    ]);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers['sluice.error']!.toString()).toMatch(/not JSON/);
  });

  it('is idempotent: the same records written again leave the same table', async () => {
    await sql.query('CREATE TABLE replay (id int PRIMARY KEY, v text)');
    const recs = Array.from({ length: 500 }, (_, i) => ({ key: { id: i % 100 }, value: { id: i % 100, v: `v${i}` } }));
    await run({ table: 'replay' }, recs);
    const once = await rows('replay');
    await run({ table: 'replay' }, recs);
    expect(await rows('replay')).toEqual(once);
    expect(once).toHaveLength(100);
    expect(once[0]).toEqual({ id: 0, v: 'v400' });
  });

  it('in insert mode keeps the first row of a key', async () => {
    await sql.query('CREATE TABLE firsts (id int PRIMARY KEY, v text)');
    await sql.query("INSERT INTO firsts VALUES (1, 'existing')");
    await run({ table: 'firsts', mode: 'insert' }, [
      { key: { id: 1 }, value: { id: 1, v: 'new' } },
      { key: { id: 2 }, value: { id: 2, v: 'two' } },
    ]);
    expect(await rows('firsts')).toEqual([
      { id: 1, v: 'existing' },
      { id: 2, v: 'two' },
    ]);
  });

  it('unwraps Debezium envelopes: c/u/r write "after", d and tombstones delete', async () => {
    await sql.query('CREATE TABLE orders (id int PRIMARY KEY, total numeric, status text)');
    const env = (op: string, before: unknown, after: unknown) => ({ before, after, op, source: { connector: 'postgresql', table: 'orders' }, ts_ms: 1 });
    await run({ table: 'orders', unwrap: 'debezium' }, [
      { key: { id: 1 }, value: env('r', null, { id: 1, total: '5', status: 'new' }) },
      { key: { id: 2 }, value: env('c', null, { id: 2, total: '7', status: 'new' }) },
      { key: { id: 3 }, value: env('c', null, { id: 3, total: '9', status: 'new' }) },
      { key: { id: 1 }, value: env('u', { id: 1 }, { id: 1, total: '6', status: 'paid' }) },
      { key: { id: 2 }, value: env('d', { id: 2, total: '7', status: 'new' }, null) },
      { key: { id: 2 }, value: null },
    ]);
    expect(await rows('orders')).toEqual([
      { id: 1, total: '6', status: 'paid' },
      { id: 3, total: '9', status: 'new' },
    ]);
  });

  it('creates a missing table from the first records with autoCreate, types inferred', async () => {
    await sql.query('CREATE SCHEMA IF NOT EXISTS made');
    const topicTable = `made.t${n}`;
    await run({ table: 'made.{topic}', autoCreate: true, primaryKey: ['id'] }, [
      { key: { id: 1 }, value: { id: 1, name: 'x', score: 1.5, ok: true, doc: { a: 1 } } },
      { key: { id: 2 }, value: { id: 2, name: 'y', score: 2, ok: false, doc: [1] } },
    ]);
    const types = await sql.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'made' AND table_name = $1 ORDER BY ordinal_position`, [topicTable.split('.')[1]]);
    expect(Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type]))).toEqual({ id: 'bigint', name: 'text', score: 'double precision', ok: 'boolean', doc: 'jsonb' });
    expect(await rows(topicTable)).toEqual([
      { id: '1', name: 'x', score: 1.5, ok: true, doc: { a: 1 } },
      { id: '2', name: 'y', score: 2, ok: false, doc: [1] },
    ]);
  });

  it('fails at start naming the field: wrong password, unknown database, missing table', async () => {
    const start = async (config: Record<string, unknown>) => {
      const sink = new PostgresSink(postgresSinkConfig.parse(config));
      const ctx = { appId: 'x', name: 'out', logger: silentLogger } as never;
      try {
        await sink.start(ctx);
        return 'started';
      } catch (err) {
        return String((err as Error).message);
      } finally {
        await sink.stop();
      }
    };
    expect(await start({ connectionString: 'postgres://postgres@127.0.0.1:1/x', table: 'accounts' })).toMatch(/^connectionString: .*ECONNREFUSED/);
    // The private cluster has one role that must give a password (the machine's trusts everyone).
    const cluster = await pgCluster();
    expect(await start({ connectionString: cluster.connectionString('postgres', 'wrong'), table: 'accounts' })).toMatch(/^connectionString: cannot connect to Postgres: password authentication failed/);
    expect(await start({ connectionString: db.url.replace(db.name, 'no_such_db_here'), table: 'accounts' })).toMatch(/^connectionString: .*database does not exist/);
    expect(await start({ connectionString: db.url, table: 'nope' })).toMatch(/^table: "public"."nope" does not exist/);
    expect(() => postgresSinkConfig.parse({ connectionString: db.url, table: 'x', mode: 'merge' })).toThrow(/mode/);
  });
});
