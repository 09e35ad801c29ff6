/**
 * The postgres sink when some rows of a batch cannot be written (issue 22), against the machine's
 * Postgres (a database of its own): Postgres refusing one row's values (a NUL in text, a value of
 * the wrong type) dead-letters that row alone and writes the others; autoCreate keeps working after
 * a first batch that failed (the table was remembered although its CREATE was rolled back); a
 * field named __proto__ is a column like any other; two field names equal in their first 63 bytes
 * cannot make CREATE TABLE fail for the whole batch.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresSink, postgresSinkConfig } from '../../connectors/postgres/index.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { readTopic, testLog } from '../support/log.js';
import { onCleanup } from '../support/cleanup.js';
import { testDatabase } from '../support/pg-database.js';

const db = await testDatabase();
const sql = new pg.Client({ connectionString: db.url });
await sql.connect();
onCleanup(() => sql.end());

let n = 0;
/** One app with one sink; `batches` are produced one after the other, each written before the next. */
async function run(config: Record<string, unknown>, batches: Array<Array<{ key: unknown; value: unknown }>>) {
  const log = await testLog();
  const topic = `rows${n}`;
  await log.client.admin().createTopic(topic, { partitions: 1 });
  const a = app({ id: `rows${n++}`, log: log.client, logger: silentLogger, errors: { retries: 1, backoffMs: 10 } });
  a.addSink('out', new PostgresSink(postgresSinkConfig.parse({ connectionString: db.url, ...config })), { topics: [topic] });
  await a.start();
  try {
    for (const batch of batches) {
      await log.client.producer().send(topic, batch.map((r) => ({ key: JSON.stringify(r.key), value: typeof r.value === 'string' ? r.value : JSON.stringify(r.value) })));
      await a.idle(300);
    }
    const dlq = await readTopic(log.engine, `${a.id}.dlq`);
    return dlq.map((r) => ({ key: JSON.parse(r.key!.toString()) as unknown, error: r.headers['sluice.error']!.toString() }));
  } finally {
    await a.stop();
  }
}

const rows = async (table: string) => (await sql.query(`SELECT * FROM ${table} ORDER BY id`)).rows;

describe('postgres sink: one bad row does not take its batch with it', () => {
  it('dead-letters only the rows Postgres refuses (a NUL in text, a value of the wrong type) and writes the others', async () => {
    await sql.query('CREATE TABLE mixed (id int PRIMARY KEY, name text, qty int)');
    const dlq = await run({ table: 'mixed' }, [
      [
        { key: { id: 1 }, value: { id: 1, name: 'one', qty: 1 } },
        { key: { id: 2 }, value: { id: 2, name: 'nul\u0000byte', qty: 2 } },
        { key: { id: 3 }, value: { id: 3, name: 'three', qty: 3 } },
        { key: { id: 4 }, value: { id: 4, name: 'four', qty: 'lots' } },
        { key: { id: 5 }, value: { id: 5, name: 'five', qty: 5 } },
      ],
    ]);
    expect(await rows('mixed')).toEqual([
      { id: 1, name: 'one', qty: 1 },
      { id: 3, name: 'three', qty: 3 },
      { id: 5, name: 'five', qty: 5 },
    ]);
    expect(dlq.map((d) => d.key)).toEqual([{ id: 2 }, { id: 4 }]);
    expect(dlq[0]!.error).toMatch(/^Postgres refused the row: invalid byte sequence for encoding "UTF8": 0x00.* \[SQLSTATE 22021\]$/);
    expect(dlq[1]!.error).toMatch(/^Postgres refused the row: invalid input syntax for type integer: "lots" \[SQLSTATE 22P02\]$/);
  });

  it('autoCreate: a first batch that fails does not leave a remembered table that was rolled back', async () => {
    const dlq = await run({ table: 'made_once', autoCreate: true, primaryKey: ['id'] }, [
      [
        { key: { id: 1 }, value: { id: 1, note: 'first' } },
        { key: { id: 2 }, value: { id: 2, note: 'bad\u0000' } },
      ],
      [{ key: { id: 3 }, value: { id: 3, note: 'later' } }],
    ]);
    expect(await rows('made_once')).toEqual([
      { id: '1', note: 'first' },
      { id: '3', note: 'later' },
    ]);
    expect(dlq.map((d) => d.key)).toEqual([{ id: 2 }]);
  });

  it('autoCreate: a __proto__ field is a column, and names equal in their first 63 bytes refuse only their record', async () => {
    const long = 'x'.repeat(63);
    const dlq = await run({ table: 'made_odd', autoCreate: true, primaryKey: ['id'] }, [
      [
        { key: { id: 1 }, value: `{"id":1,"name":"a","__proto__":{"polluted":true}}` },
        { key: { id: 2 }, value: { id: 2, name: 'b', [`${long}1`]: 1, [`${long}2`]: 2 } },
        { key: { id: 3 }, value: { id: 3, name: 'c' } },
      ],
    ]);
    const cols = (await sql.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'made_odd' ORDER BY ordinal_position")).rows.map((r) => r.column_name);
    expect(cols).toEqual(['id', 'name', '__proto__']);
    expect((await sql.query('SELECT id, name, "__proto__" AS proto FROM made_odd ORDER BY id')).rows).toEqual([
      { id: '1', name: 'a', proto: { polluted: true } },
      { id: '3', name: 'c', proto: null },
    ]);
    expect(dlq.map((d) => d.key)).toEqual([{ id: 2 }]);
    expect(dlq[0]!.error).toMatch(/^field "x{63}1" cannot be a column: it is 64 bytes long; Postgres keeps 63 bytes of a name and would cut the rest; field "x{63}2" cannot be a column/);
  });
});
