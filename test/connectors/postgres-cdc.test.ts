/**
 * postgres-cdc through the worker against a private Postgres cluster with wal_level=logical:
 * envelopes and the type mapping, snapshot plus stream under concurrent writes (every row once),
 * a backlog larger than the source's queue, the slot's confirmed LSN never ahead of the log, resume
 * after a worker restart and after a Postgres restart, and bad config failing at start.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresCdcSource, postgresCdcConfig } from '../../connectors/postgres-cdc/index.js';
import type { LogEngine } from '../../core/log/types.js';
import { app, type App } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { readTopic, testLog } from '../support/log.js';
import { PASSWORD, PASSWORD_USER, pgCluster } from '../support/pg-cluster.js';
import { tempDir } from '../support/tmp.js';
import { until } from '../support/wait.js';

const cluster = await pgCluster();
let sql = await connectSql();
afterAll(() => sql.end().catch(() => {}));

async function connectSql(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: cluster.connectionString() });
  c.on('error', () => {}); // a Postgres restart in a test ends this connection; the test reconnects
  await c.connect();
  return c;
}

let n = 0;
function cdcApp(log: { client: App['client'] }, config: Record<string, unknown>, id = `cdc${n++}`, internals = {}): App {
  const a = app({ id, log: log.client, logger: silentLogger });
  a.addSource('pg', new PostgresCdcSource(postgresCdcConfig.parse({ connectionString: cluster.connectionString(), ...config }), internals));
  return a;
}

/** The topic read as a table: latest envelope "after" per key, tombstones delete. */
async function tableFromTopic(engine: LogEngine, topic: string): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of await readTopic(engine, topic)) {
    const key = r.key!.toString();
    if (r.value === null) out.delete(key);
    else {
      const env = JSON.parse(r.value.toString()) as { op: string; after: Record<string, unknown> | null };
      if (env.op === 'd') out.delete(key);
      else if (env.after) out.set(key, env.after);
    }
  }
  return out;
}

describe('postgres-cdc source', () => {
  it('emits Debezium envelopes with the documented type mapping, deletes with tombstones, truncates', async () => {
    await sql.query(`CREATE TABLE types (id bigint PRIMARY KEY, i int, s smallint, b boolean, n numeric(10,2), f double precision, t text,
      ts timestamp, tz timestamptz, d date, j jsonb, arr int[], tarr text[], u uuid, by bytea, big text, tzu timestamptz)`);
    await sql.query('ALTER TABLE types REPLICA IDENTITY FULL');
    const log = await testLog();
    const a = cdcApp(log, { tables: ['public.types'], slot: 'types_slot', publication: 'types_pub', snapshot: 'never', topicPrefix: 'db' });
    await a.start();
    await sql.query(`INSERT INTO types VALUES (1, 42, 7, true, 12.50, 1.5, 'hé', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05+02', '2024-02-29',
      '{"a":[1,2]}', '{1,2,NULL}', '{"x y","z"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x0102ff', repeat('long', 5000), '2024-01-02 03:04:05.123456-01')`);
    await sql.query(`UPDATE types SET i = 43 WHERE id = 1`);
    await sql.query(`DELETE FROM types WHERE id = 1`);
    await sql.query(`INSERT INTO types (id) VALUES (2)`);
    await sql.query(`TRUNCATE types`);
    await until(async () => (await readTopic(log.engine, 'db.public.types')).length >= 6);
    const recs = await readTopic(log.engine, 'db.public.types');
    const envs = recs.map((r) => (r.value ? JSON.parse(r.value.toString()) : null));
    expect(envs.map((e) => e?.op ?? 'tombstone')).toEqual(['c', 'u', 'd', 'tombstone', 'c', 't']);
    expect(recs[0]!.key!.toString()).toBe('{"id":1}');
    expect(envs[0].after).toEqual({
      id: 1, i: 42, s: 7, b: true, n: '12.50', f: 1.5, t: 'hé', ts: '2024-01-02T03:04:05.678', tz: '2024-01-02T01:04:05.000Z', d: '2024-02-29',
      j: { a: [1, 2] }, arr: [1, 2, null], tarr: ['x y', 'z'], u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', by: Buffer.from([1, 2, 255]).toString('base64'), big: 'long'.repeat(5000), tzu: '2024-01-02T04:04:05.123456Z',
    });
    expect(envs[0].before).toBeNull();
    expect(envs[0].source).toMatchObject({ connector: 'postgresql', db: 'postgres', schema: 'public', table: 'types', snapshot: false });
    expect(typeof envs[0].source.txId).toBe('number');
    expect(envs[0].source.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    // REPLICA IDENTITY FULL: the update and the delete carry the whole old row.
    expect(envs[1].before.i).toBe(42);
    expect(envs[1].after.i).toBe(43);
    expect(envs[2].before).toMatchObject({ id: 1, i: 43 });
    expect(envs[2].after).toBeNull();
    expect(recs[3]!.key!.toString()).toBe('{"id":1}');
    await a.stop();
  });

  it('marks an unchanged TOAST column instead of passing it off as null', async () => {
    await sql.query('CREATE TABLE docs (id int PRIMARY KEY, title text, body text)');
    await sql.query("ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL");
    const log = await testLog();
    const a = cdcApp(log, { tables: ['public.docs'], slot: 'docs_slot', publication: 'docs_pub', snapshot: 'never' });
    await a.start();
    await sql.query(`INSERT INTO docs VALUES (1, 'a', repeat(md5(random()::text), 2000))`);
    await sql.query(`UPDATE docs SET title = 'b' WHERE id = 1`);
    await until(async () => (await readTopic(log.engine, 'pg.public.docs')).length >= 2);
    const envs = (await readTopic(log.engine, 'pg.public.docs')).map((r) => JSON.parse(r.value!.toString()));
    expect(envs[1].after).toEqual({ id: 1, title: 'b', body: '__debezium_unavailable_value' });
    await a.stop();
  });

  it('takes a snapshot consistent with the stream while writes run: every row exactly once', async () => {
    await sql.query('CREATE TABLE snap (id int PRIMARY KEY, v int)');
    await sql.query('INSERT INTO snap SELECT g, 0 FROM generate_series(1, 3000) g');
    const log = await testLog();
    let writing = true;
    const writer = (async () => {
      const w = new pg.Client({ connectionString: cluster.connectionString() });
      await w.connect();
      for (let i = 0; writing; i++) {
        const id = 1 + (i * 7919) % 4000;
        if (i % 5 === 4) await w.query('DELETE FROM snap WHERE id = $1', [id]);
        else await w.query('INSERT INTO snap VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v', [id, i]);
      }
      await w.end();
    })();
    const a = cdcApp(log, { tables: ['public.snap'], slot: 'snap_slot', publication: 'snap_pub', snapshotFetchRows: 500 });
    await a.start();
    await new Promise((r) => setTimeout(r, 1500));
    writing = false;
    await writer;
    const expected = new Map((await sql.query('SELECT id, v FROM snap')).rows.map((r) => [JSON.stringify({ id: r.id }), { id: r.id, v: r.v }]));
    await until(async () => {
      const got = await tableFromTopic(log.engine, 'pg.public.snap');
      return got.size === expected.size && [...expected].every(([k, v]) => JSON.stringify(got.get(k)) === JSON.stringify(v));
    });
    // The snapshot read each row once (rows the writer added before the slot existed included).
    const snapshotKeys = (await readTopic(log.engine, 'pg.public.snap')).filter((r) => r.value && JSON.parse(r.value.toString()).op === 'r').map((r) => r.key!.toString());
    expect(snapshotKeys.length).toBeGreaterThanOrEqual(3000);
    expect(new Set(snapshotKeys).size).toBe(snapshotKeys.length);
    await a.stop();
  });

  it('after a completed snapshot, a restart streams on instead of taking the snapshot again', async () => {
    await sql.query('CREATE TABLE once (id int PRIMARY KEY, v text)');
    await sql.query("INSERT INTO once VALUES (1, 'a'), (2, 'b')");
    const log = await testLog({ dataDir: tempDir('cdc-once') });
    const cfg = { tables: ['public.once'], slot: 'once_slot', publication: 'once_pub' };
    let a = cdcApp({ client: log.connect() }, cfg, 'cdc-once');
    await a.start();
    await until(async () => (await readTopic(log.engine, 'pg.public.once')).length === 2);
    await a.idle(300);
    await a.stop();
    await sql.query('DELETE FROM once WHERE id = 2');
    a = cdcApp({ client: log.connect() }, cfg, 'cdc-once');
    await a.start();
    await until(async () => (await tableFromTopic(log.engine, 'pg.public.once')).size === 1);
    const ops = (await readTopic(log.engine, 'pg.public.once')).map((r) => (r.value ? JSON.parse(r.value.toString()).op : 'tombstone'));
    expect(ops).toEqual(['r', 'r', 'd', 'tombstone']);
    await a.stop();
  });

  it('catches up a backlog larger than the queue it holds (the stream paused until the worker takes it): every change once, in order', async () => {
    await sql.query('CREATE TABLE backlog (id int PRIMARY KEY, v text)');
    const log = await testLog({ dataDir: tempDir('cdc-backlog') });
    const cfg = { tables: ['public.backlog'], slot: 'backlog_slot', publication: 'backlog_pub', snapshot: 'never' };
    let a = cdcApp({ client: log.connect() }, cfg, 'cdc-backlog');
    await a.start(); // creates the slot
    await a.idle(300);
    await a.stop();
    // 36 000 changes, far more than the source queues here (1 000) before it stops reading.
    for (let t = 0; t < 12; t++) {
      await sql.query(`INSERT INTO backlog SELECT g, 'v' || g FROM generate_series(${t * 2000}, ${t * 2000 + 1999}) g`);
      await sql.query(`UPDATE backlog SET v = 'u' || id WHERE id >= ${t * 2000} AND id < ${t * 2000 + 1000}`);
    }
    a = cdcApp({ client: log.connect() }, cfg, 'cdc-backlog', { queueRecords: 1000 });
    await a.start();
    await until(async () => (await readTopic(log.engine, 'pg.public.backlog')).length >= 36_000, 150_000);
    await a.idle(300);
    await a.stop();
    const recs = await readTopic(log.engine, 'pg.public.backlog');
    expect(recs).toHaveLength(36_000);
    const seen = recs.map((r) => { const e = JSON.parse(r.value!.toString()); return `${e.op}${e.after.id}`; });
    const expected: string[] = [];
    for (let t = 0; t < 12; t++) {
      for (let i = t * 2000; i < t * 2000 + 2000; i++) expected.push(`c${i}`);
      for (let i = t * 2000; i < t * 2000 + 1000; i++) expected.push(`u${i}`);
    }
    expect(seen).toEqual(expected);
  }, 240_000);

  it('reads a backlog through SQL in several peeks, then streams: the same records as the stream gives, each once, the slot never past the log', async () => {
    await sql.query('CREATE TABLE peeked (id int PRIMARY KEY, v text, at timestamptz)');
    const log = await testLog({ dataDir: tempDir('cdc-peek') });
    // Two slots over the same changes: one read through SQL (every backlog, 2 000 messages a peek, 500 records a poll), one streamed.
    const viaSql = { tables: ['public.peeked'], slot: 'peek_sql', publication: 'peek_pub', snapshot: 'never', topicPrefix: 'sql' };
    const viaStream = { tables: ['public.peeked'], slot: 'peek_stream', publication: 'peek_pub', snapshot: 'never', topicPrefix: 'stream' };
    const peeking = { peekFromBytes: 0n, peekMessages: 2000, peekPollRecords: 500 };
    for (const [cfg, internals] of [[viaSql, peeking], [viaStream, { peekFromBytes: 1n << 60n }]] as const) {
      const a = cdcApp({ client: log.connect() }, cfg, `cdc-${cfg.slot}`, internals);
      await a.start(); // creates the slot
      await a.idle(300);
      await a.stop();
    }
    const createdAt = (await sql.query('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', ['peek_sql'])).rows[0].l as string;
    for (let t = 0; t < 6; t++) {
      await sql.query(`INSERT INTO peeked SELECT g, 'v' || g, '2026-01-02 03:04:05+00' FROM generate_series(${t * 1500}, ${t * 1500 + 1499}) g`);
      await sql.query(`UPDATE peeked SET v = 'u' || id WHERE id >= ${t * 1500} AND id < ${t * 1500 + 700}`);
      await sql.query(`DELETE FROM peeked WHERE id >= ${t * 1500 + 1400} AND id < ${t * 1500 + 1500}`);
    }
    const count = 6 * (1500 + 700 + 2 * 100); // creates, updates, deletes with their tombstones
    const topicOf = (cfg: { topicPrefix: string }) => `${cfg.topicPrefix}.public.peeked`;
    const apps = [cdcApp({ client: log.connect() }, viaSql, 'cdc-peek_sql', peeking), cdcApp({ client: log.connect() }, viaStream, 'cdc-peek_stream', { peekFromBytes: 1n << 60n })];
    for (const a of apps) await a.start();
    await until(async () => (await readTopic(log.engine, topicOf(viaSql))).length >= count && (await readTopic(log.engine, topicOf(viaStream))).length >= count, 120_000);
    // After the backlog, the source streams: a change made now arrives too.
    await sql.query(`INSERT INTO peeked VALUES (100000, 'live', '2026-01-02 03:04:05+00')`);
    await until(async () => (await readTopic(log.engine, topicOf(viaSql))).length >= count + 1 && (await readTopic(log.engine, topicOf(viaStream))).length >= count + 1);
    await apps[0]!.idle(300);
    const confirmed = (await sql.query('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', ['peek_sql'])).rows[0].l as string;
    for (const a of apps) await a.stop();
    // ts_ms is the time the source handed the record out: the rest is equal byte for byte.
    const records = async (cfg: { topicPrefix: string }) =>
      (await readTopic(log.engine, topicOf(cfg))).map((r) => `${r.key?.toString()} ${r.value?.toString().replace(/"ts_ms":\d+}$/, '') ?? 'null'}`);
    const peeked = await records(viaSql);
    expect(peeked).toHaveLength(count + 1);
    expect(peeked).toEqual(await records(viaStream));
    // The slot was moved on (pg_replication_slot_advance while peeking, status updates after), never past the server's WAL.
    const lsn = (s: string) => {
      const [hi, lo] = s.split('/');
      return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
    };
    expect(lsn(confirmed)).toBeGreaterThan(lsn(createdAt));
    expect(lsn(confirmed)).toBeLessThanOrEqual(lsn((await sql.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string));
    await sql.query('DROP PUBLICATION peek_pub');
    for (const slot of ['peek_sql', 'peek_stream']) await sql.query('SELECT pg_drop_replication_slot($1)', [slot]);
  }, 240_000);

  it('never confirms an LSN past what the log holds, and resumes after a worker restart and a Postgres restart', async () => {
    await sql.query('CREATE TABLE flow (id int PRIMARY KEY, v text)');
    const dir = tempDir('cdc-flow');
    const log = await testLog({ dataDir: dir });
    const cfg = { tables: ['public.flow'], slot: 'flow_slot', publication: 'flow_pub', snapshot: 'never' };
    let a = cdcApp({ client: log.connect() }, cfg, 'cdc-flow');
    await a.start();
    const w = await connectSql();
    const samples: Array<{ confirmed: string; present: Set<number> }> = [];
    let id = 0;
    const insert = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await w.query('INSERT INTO flow VALUES ($1, $2)', [++id, 'x']);
        if (id % 50 === 0) {
          const confirmed = (await sql.query('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', ['flow_slot'])).rows[0].l as string;
          const present = new Set((await readTopic(log.engine, 'pg.public.flow')).filter((r) => r.value).map((r) => JSON.parse(r.value!.toString()).after.id as number));
          samples.push({ confirmed, present });
        }
      }
    };
    await insert(400);
    await a.stop();
    await insert(100); // while no worker runs
    a = cdcApp({ client: log.connect() }, cfg, 'cdc-flow');
    await a.start();
    await insert(100);
    await w.end();
    await cluster.restart(); // the stream breaks; the source reconnects with backoff
    await sql.end().catch(() => {});
    sql = await connectSql();
    const w2 = await connectSql();
    for (let i = 0; i < 100; i++) await w2.query('INSERT INTO flow VALUES ($1, $2)', [++id, 'y']);
    await w2.end();
    await until(async () => (await tableFromTopic(log.engine, 'pg.public.flow')).size === id, 60_000);
    const recs = (await readTopic(log.engine, 'pg.public.flow')).filter((r) => r.value).map((r) => JSON.parse(r.value!.toString()));
    const lsnOf = new Map<number, string>(recs.map((e) => [e.after.id as number, e.source.lsn as string]));
    const toBig = (l: string) => { const [h, lo] = l.split('/'); return (BigInt(`0x${h}`) << 32n) | BigInt(`0x${lo}`); };
    for (const s of samples) {
      const c = toBig(s.confirmed);
      for (const [rid, lsn] of lsnOf) if (toBig(lsn) < c) expect(s.present.has(rid), `row ${rid} confirmed at ${s.confirmed} before it was in the log`).toBe(true);
    }
    expect(new Set(recs.map((e) => e.after.id)).size).toBe(id);
    await a.stop();
  }, 120_000);

  it('fails at start naming the field: unknown table, no REPLICATION right, unknown database, wrong password', async () => {
    const start = async (config: Record<string, unknown>) => {
      const log = await testLog();
      const a = cdcApp(log, config);
      try {
        await a.start();
        await a.stop();
        return 'started';
      } catch (err) {
        return String((err as Error).message);
      }
    };
    expect(await start({ tables: ['public.nope'], slot: 'bad1' })).toMatch(/tables: table "public.nope" does not exist/);
    await sql.query('CREATE ROLE norepl LOGIN');
    await sql.query('CREATE TABLE IF NOT EXISTS flow2 (id int PRIMARY KEY)');
    const url = cluster.connectionString().replace('postgres@', 'norepl@');
    expect(await start({ connectionString: url, tables: ['public.flow2'], slot: 'bad2' })).toMatch(/connectionString: user "norepl" lacks the REPLICATION attribute/);
    expect(await start({ connectionString: cluster.connectionString('nodb'), tables: ['public.flow2'], slot: 'bad3' })).toMatch(/connectionString: .*database does not exist/);
    expect(await start({ connectionString: cluster.connectionString('postgres', 'wrong'), tables: ['public.flow2'], slot: 'bad4' })).toMatch(/^connectionString: cannot connect to Postgres: password authentication failed/);
    expect(await start({ connectionString: cluster.connectionString('postgres', PASSWORD), tables: ['public.flow2'], slot: 'bad4', publication: 'bad4_pub' })).toMatch(/^tables: the snapshot reads "public.flow2", which user "sluice_pw" may not SELECT/);
    await sql.query(`GRANT SELECT ON flow2 TO ${PASSWORD_USER}`);
    expect(await start({ connectionString: cluster.connectionString('postgres', PASSWORD), tables: ['public.flow2'], slot: 'bad4', publication: 'bad4_pub' })).toMatch(/^publication: cannot run "CREATE PUBLICATION "bad4_pub" FOR TABLE "public"."flow2"": permission denied/);
    await sql.query('CREATE PUBLICATION bad4_pub FOR TABLE flow2');
    expect(await start({ connectionString: cluster.connectionString('postgres', PASSWORD), tables: ['public.flow2'], slot: 'bad4', publication: 'bad4_pub' })).toBe('started');
  });
});
