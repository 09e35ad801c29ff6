/**
 * Names are data, never SQL (issue 22): against a private cluster with wal_level=logical, in a
 * database and with roles of its own.
 * - The attack of the issue: a table owner with no special rights names a column so that the CDC
 *   snapshot's SELECT reads pg_authid; the CDC user (a superuser) must not put the password hash
 *   into the topic.
 * - Column names holding ", ', ;, spaces, upper case, __proto__ and 63 bytes go through the CDC
 *   snapshot and stream and the postgres sink (an existing table and autoCreate) unchanged.
 * - What Postgres cannot hold (NUL, more than 63 bytes) is refused with a message saying why.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresSink, postgresSinkConfig } from '../../connectors/postgres/index.js';
import { quoteIdent } from '../../connectors/postgres/identifier.js';
import { PostgresCdcSource, postgresCdcConfig } from '../../connectors/postgres-cdc/index.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { readTopic, testLog } from '../support/log.js';
import { pgCluster } from '../support/pg-cluster.js';
import { scratchDatabase } from '../support/pg-scratch.js';
import { until } from '../support/wait.js';

const cluster = await pgCluster();

/** 63 bytes: the longest name Postgres keeps whole (é is two bytes). */
const LONGEST = `é${'n'.repeat(61)}`;
/** Columns whose names a naive statement would break on. */
const ODD = ['qu"ote', "it's", 'semi;colon', 'two words', 'MixedCase', '__proto__', LONGEST];

describe('identifiers in SQL', () => {
  it('the CDC snapshot does not run SQL hidden in a column name (a table owner reading pg_authid)', async () => {
    const db = await scratchDatabase(cluster, { cdc_super: "SUPERUSER LOGIN PASSWORD 'correct horse battery staple'", mallory: 'LOGIN' });
    await db.sql.query('GRANT CREATE ON SCHEMA public TO mallory');
    // Mallory owns a table; the first column's name closes the quote, selects from pg_authid, and reopens it.
    const crafted = 'id",(SELECT max(rolpassword)FROM pg_authid),"id';
    const mallory = new pg.Client({ connectionString: db.url('mallory') });
    await mallory.connect();
    try {
      await mallory.query(`CREATE TABLE loot (${quoteIdent(crafted)} text, v text, id int PRIMARY KEY)`);
      await mallory.query(`INSERT INTO loot VALUES ('innocent', 'plain', 1)`);
    } finally {
      await mallory.end();
    }
    const log = await testLog();
    const a = app({ id: 'loot', log: log.client, logger: silentLogger });
    a.addSource('pg', new PostgresCdcSource(postgresCdcConfig.parse({ connectionString: db.url('cdc_super'), tables: ['public.loot'], slot: 'loot_slot', publication: 'loot_pub' })));
    await a.start();
    try {
      await until(async () => (await readTopic(log.engine, 'pg.public.loot')).length === 1);
      const [rec] = await readTopic(log.engine, 'pg.public.loot');
      const text = rec!.value!.toString();
      expect(text).not.toContain('SCRAM-SHA-256');
      expect(JSON.parse(text).after).toEqual({ [crafted]: 'innocent', v: 'plain', id: 1 });
      expect(rec!.key!.toString()).toBe('{"id":1}');
    } finally {
      await a.stop();
    }
  });

  it('odd column names go through the CDC snapshot and stream and the sink (an existing table and autoCreate) unchanged', async () => {
    const db = await scratchDatabase(cluster);
    const columns = ODD.map((c) => `${quoteIdent(c)} text`).join(', ');
    await db.sql.query(`CREATE TABLE odd (id int PRIMARY KEY, ${columns})`);
    await db.sql.query(`CREATE TABLE odd_copy (id int PRIMARY KEY, ${columns})`);
    const values = (id: number, tag: string) => [id, ...ODD.map((c, i) => `${tag}${i}:${c}`)];
    const insert = (id: number, tag: string) => db.sql.query(`INSERT INTO odd VALUES (${values(id, tag).map((_, i) => `$${i + 1}`).join(', ')})`, values(id, tag));
    await insert(1, 'snap');
    await insert(2, 'snap');
    const log = await testLog();
    const a = app({ id: 'odd', log: log.client, logger: silentLogger });
    a.addSource('pg', new PostgresCdcSource(postgresCdcConfig.parse({ connectionString: db.url(), tables: ['public.odd'], slot: 'odd_slot', publication: 'odd_pub' })));
    a.addSink('copy', new PostgresSink(postgresSinkConfig.parse({ connectionString: db.url(), table: 'public.odd_copy', unwrap: 'debezium' })), { topics: ['pg.public.odd'] });
    a.addSink('made', new PostgresSink(postgresSinkConfig.parse({ connectionString: db.url(), table: 'public.odd_made', unwrap: 'debezium', autoCreate: true })), { topics: ['pg.public.odd'] });
    await a.start();
    try {
      await insert(3, 'stream');
      await db.sql.query(`UPDATE odd SET ${quoteIdent("it's")} = 'changed', ${quoteIdent('__proto__')} = '{"not":"a prototype"}' WHERE id = 1`);
      await db.sql.query('DELETE FROM odd WHERE id = 2');
      const table = async (name: string) => (await db.sql.query(`SELECT * FROM ${name} ORDER BY id`)).rows.map((r) => JSON.stringify(Object.entries(r).sort()));
      const expected = await table('odd');
      await until(async () => JSON.stringify(await table('odd_copy')) === JSON.stringify(expected) && (await db.sql.query("SELECT 1 FROM pg_class WHERE relname = 'odd_made'")).rowCount === 1);
      // The autoCreate sink runs beside the other one: wait until it wrote the same changes.
      await until(async () => JSON.stringify((await db.sql.query(`SELECT id::int, ${quoteIdent("it's")} AS v FROM odd_made ORDER BY id`)).rows) === JSON.stringify([{ id: 1, v: 'changed' }, { id: 3, v: "stream1:it's" }]));
      expect(await table('odd_copy')).toEqual(expected);
      const made = (await db.sql.query('SELECT * FROM odd_made ORDER BY id')).rows;
      expect(made.map((r) => r["it's"])).toEqual(['changed', 'stream1:it\'s']);
      expect(made.map((r) => r[LONGEST])).toEqual([`snap6:${LONGEST}`, `stream6:${LONGEST}`]);
      expect(made[0]!['__proto__']).toBe('{"not":"a prototype"}');
      expect(await readTopic(log.engine, 'odd.dlq')).toEqual([]);
    } finally {
      await a.stop();
    }
  });

  it('refuses what Postgres cannot hold in a name: NUL, more than 63 bytes', async () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(() => quoteIdent('a\u0000b')).toThrow(/contains a NUL character, which Postgres cannot store in a name/);
    expect(() => quoteIdent(`${LONGEST}x`)).toThrow(/is 64 bytes long; Postgres keeps 63 bytes of a name and would cut the rest/);
    const sink = (table: string, primaryKey?: string[]) => postgresSinkConfig.safeParse({ connectionString: 'postgres://x@127.0.0.1/x', table, primaryKey });
    expect(sink('bad\u0000name').error?.issues[0]).toMatchObject({ path: ['table'], message: expect.stringMatching(/contains a NUL character/) });
    expect(sink(`public.${'t'.repeat(64)}`).error?.issues[0]).toMatchObject({ path: ['table'], message: expect.stringMatching(/is 64 bytes long/) });
    expect(sink('t', ['id', 'k'.repeat(64)]).error?.issues[0]).toMatchObject({ path: ['primaryKey', 1], message: expect.stringMatching(/is 64 bytes long/) });
    expect(sink('public.{topic}').success).toBe(true);
    const cdc = (tables: string[]) => postgresCdcConfig.safeParse({ connectionString: 'postgres://x@127.0.0.1/x', tables });
    expect(cdc(['public.bad\u0000name']).success).toBe(false);
    expect(cdc([`public.${'t'.repeat(64)}`]).success).toBe(false);
    expect(cdc([`public.${'t'.repeat(63)}`]).success).toBe(true);
    // A field whose name has a NUL is refused alone by the sink, with the reason.
    const db = await scratchDatabase(cluster);
    await db.sql.query('CREATE TABLE plain (id int PRIMARY KEY, v text)');
    const log = await testLog();
    await log.client.admin().createTopic('plain', { partitions: 1 });
    await log.client.producer().send('plain', [
      { key: '{"id":1}', value: '{"id":1,"v":"ok"}' },
      { key: '{"id":2}', value: '{"id":2,"v":"no","bad\\u0000field":1}' },
    ]);
    const a = app({ id: 'plain', log: log.client, logger: silentLogger });
    a.addSink('out', new PostgresSink(postgresSinkConfig.parse({ connectionString: db.url(), table: 'plain' })), { topics: ['plain'] });
    await a.start();
    try {
      await a.idle(300);
      expect((await db.sql.query('SELECT * FROM plain')).rows).toEqual([{ id: 1, v: 'ok' }]);
      const dlq = await readTopic(log.engine, 'plain.dlq');
      expect(dlq.map((r) => r.headers['sluice.error']!.toString())).toEqual(['field "bad\\u0000field" cannot be a column: it contains a NUL character, which Postgres cannot store in a name']);
    } finally {
      await a.stop();
    }
  });
});
