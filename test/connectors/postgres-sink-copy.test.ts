/**
 * The postgres sink's COPY path (copy: true, the default) against its statement path (copy:
 * false), on the machine's Postgres (a database of its own): the same batches into two tables of
 * the same definition leave the same rows and the same dead letters — upserts of every kind of
 * value (text COPY must escape, arrays, JSON, numeric, varchar(n)), deletes, duplicate keys within
 * a batch (the last wins), quoted identifiers, a NUL byte and a value of the wrong type
 * dead-lettered alone, composite keys, insert mode, a truncate within a batch, and batches large
 * enough to go in parts (keys, deletes and a truncate across parts; a refused row in a later part,
 * a COPY refused in a middle part, a constraint failing in the last merge, which carries the COMMIT;
 * text and integer keys of every form against a JS reference).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresSink, postgresSinkConfig } from '../../connectors/postgres/index.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { onCleanup } from '../support/cleanup.js';
import { readTopic, testLog } from '../support/log.js';
import { testDatabase } from '../support/pg-database.js';

const db = await testDatabase();
const sql = new pg.Client({ connectionString: db.url });
await sql.connect();
onCleanup(() => sql.end());

type Rec = { key: unknown; value: unknown };
let n = 0;
/** One app with one sink writing `batches` to `table`, each batch written before the next; returns its dead letters. */
async function run(config: Record<string, unknown>, batches: Rec[][]) {
  const log = await testLog();
  const topic = `copy${n}`;
  await log.client.admin().createTopic(topic, { partitions: 1 });
  const a = app({ id: `copy${n++}`, log: log.client, logger: silentLogger, errors: { retries: 1, backoffMs: 10 } });
  a.addSink('out', new PostgresSink(postgresSinkConfig.parse({ connectionString: db.url, ...config })), { topics: [topic] });
  await a.start();
  try {
    for (const batch of batches) {
      await log.client.producer().send(topic, batch.map((r) => ({ key: JSON.stringify(r.key), value: r.value === null ? null : typeof r.value === 'string' ? r.value : JSON.stringify(r.value) })));
      await a.idle(300);
    }
    const dlq = await readTopic(log.engine, `${a.id}.dlq`);
    return dlq.map((r) => ({ key: JSON.parse(r.key!.toString()) as unknown, error: r.headers['sluice.error']!.toString() }));
  } finally {
    await a.stop();
  }
}

/** Runs the batches through both paths into `<name>_copy` and `<name>_rows` (created by `ddl`); returns both tables and dead-letter lists. */
async function bothPaths(name: string, ddl: (table: string) => string, config: Record<string, unknown>, batches: Rec[][], orderBy: string) {
  const out = [];
  for (const copy of [true, false]) {
    const table = `${name}_${copy ? 'copy' : 'rows'}`;
    await sql.query(ddl(table));
    const dlq = await run({ ...config, table, copy }, batches);
    const rows = (await sql.query(`SELECT * FROM ${table} ORDER BY ${orderBy}`)).rows;
    // The reasons name the table: the same words for both.
    out.push({ rows, dlq: dlq.map((d) => ({ ...d, error: d.error.replaceAll(table, name) })) });
  }
  return { copy: out[0]!, rows: out[1]! };
}

/** A Debezium envelope of (id, v): op c/u/r write `after`, d deletes, t truncates. */
const envelope = (op: string, id: number, v: string | null) => ({ before: op === 'd' ? { id } : null, after: op === 'd' || op === 't' ? null : { id, v }, op, source: { connector: 'postgresql' }, ts_ms: 1 });

const awkward = 'tab\there\nnew line\r\\back\\slash \\N "quoted" \'single\' , {braces} é 日本';

describe('postgres sink: the COPY path writes what the statement path writes', () => {
  it('upserts, deletes, duplicate keys, quoted identifiers and values COPY must escape; a bad row dead-lettered alone', async () => {
    const ddl = (t: string) =>
      `CREATE TABLE ${t} (id bigint PRIMARY KEY, "Mixed Case" text, "select" text, "a""quote" int, amount numeric(12,2), flag boolean, tags text[], nums int[],
        meta jsonb, doc json, short varchar(5), at timestamptz, raw bytea);
       INSERT INTO ${t} (id, "Mixed Case") VALUES (100, 'old'), (101, 'old'), (102, 'old')`;
    const batches: Rec[][] = [
      [
        { key: { id: 1 }, value: { id: 1, 'Mixed Case': awkward, select: '\\N', 'a"quote': 7, amount: '12.345', flag: true, tags: ['x y', 'a,b', '"q"', null, '\\'], nums: [1, 2, null], meta: { s: awkward, n: [1, 2.5] }, doc: 'just a string', short: 'truncated here', at: '2024-01-02 03:04:05.123456+02', raw: '\\x00ff10' } },
        { key: { id: 2 }, value: { id: 2, 'Mixed Case': 'first' } },
        { key: { id: 100 }, value: null },
        { key: { id: 2 }, value: { id: 2, 'Mixed Case': 'second', flag: false, amount: 3 } },
        { key: { id: 3 }, value: { id: 3, 'Mixed Case': 'gone soon' } },
        { key: { id: 3 }, value: null },
        { key: { id: 101 }, value: { id: 101, meta: [1, 'two'], tags: [] } },
        { key: { id: 4 }, value: { id: 4, 'Mixed Case': '', select: null, nums: [] } },
      ],
      [
        { key: { id: 5 }, value: { id: 5, 'Mixed Case': 'nul\u0000byte' } },
        { key: { id: 6 }, value: { id: 6, 'Mixed Case': 'fine' } },
        { key: { id: 7 }, value: { id: 7, 'a"quote': 'seven' } },
        { key: { id: 102 }, value: null },
        { key: { id: 8 }, value: { id: 8, no_such_column: 1 } },
      ],
      // A record refused for an unknown field does not make its other fields columns of the statement (meta stays).
      [
        { key: { id: 101 }, value: { id: 101, 'Mixed Case': 'again' } },
        { key: { id: 9 }, value: { id: 9, meta: { m: 1 }, no_such_column: 1 } },
      ],
    ];
    const { copy, rows } = await bothPaths('kinds', ddl, {}, batches, 'id');
    expect(copy).toEqual(rows);
    // Not two equal failures: what the tables hold.
    expect(copy.rows.map((r) => r.id)).toEqual(['1', '2', '4', '6', '101']);
    const one = copy.rows[0]!;
    expect(one['Mixed Case']).toBe(awkward);
    expect(one.select).toBe('\\N');
    expect(one['a"quote']).toBe(7);
    expect(one.amount).toBe('12.35');
    expect(one.tags).toEqual(['x y', 'a,b', '"q"', null, '\\']);
    expect(one.meta).toEqual({ s: awkward, n: [1, 2.5] });
    expect(one.doc).toBe('just a string'); // stored as the JSON string "just a string"
    expect(one.short).toBe('trunc');
    expect(one.raw).toEqual(Buffer.from([0, 255, 16]));
    expect(copy.rows[1]).toMatchObject({ 'Mixed Case': 'second', flag: false, amount: '3.00' });
    expect(copy.rows[4]).toMatchObject({ 'Mixed Case': 'again', meta: [1, 'two'], tags: [] });
    expect(copy.dlq.map((d) => d.key)).toEqual([{ id: 5 }, { id: 7 }, { id: 8 }, { id: 9 }]);
    expect(copy.dlq[0]!.error).toMatch(/^Postgres refused the row: invalid byte sequence for encoding "UTF8": 0x00.* \[SQLSTATE 22021\]$/);
    expect(copy.dlq[1]!.error).toMatch(/^Postgres refused the row: invalid input syntax for type integer: "seven" \[SQLSTATE 22P02\]$/);
  });

  it('composite keys in insert mode, Debezium envelopes with a truncate in the batch', async () => {
    const env = (op: string, before: unknown, after: unknown) => ({ before, after, op, source: { connector: 'postgresql' }, ts_ms: 1 });
    const ddl = (t: string) => `CREATE TABLE ${t} (region text, id int, v text, PRIMARY KEY (region, id)); INSERT INTO ${t} VALUES ('eu', 1, 'existing'), ('us', 9, 'truncated')`;
    const batches: Rec[][] = [
      [
        { key: { region: 'us', id: 2 }, value: env('c', null, { region: 'us', id: 2, v: 'before truncate' }) },
        { key: null, value: env('t', null, null) },
        { key: { region: 'eu', id: 1 }, value: env('c', null, { region: 'eu', id: 1, v: 'new' }) },
        { key: { region: 'eu', id: 2 }, value: env('r', null, { region: 'eu', id: 2, v: 'first' }) },
        { key: { region: 'eu', id: 2 }, value: env('u', null, { region: 'eu', id: 2, v: 'last' }) },
      ],
      [
        { key: { region: 'eu', id: 1 }, value: env('u', null, { region: 'eu', id: 1, v: 'kept first' }) },
        { key: { region: 'eu', id: 2 }, value: env('d', { region: 'eu', id: 2 }, null) },
        { key: { region: 'eu', id: 3 }, value: env('c', null, { region: 'eu', id: 3, v: 'three' }) },
      ],
    ];
    const { copy, rows } = await bothPaths('composite', ddl, { unwrap: 'debezium', mode: 'insert' }, batches, 'region, id');
    expect(copy).toEqual(rows);
    expect(copy.rows).toEqual([
      { region: 'eu', id: 1, v: 'new' },
      { region: 'eu', id: 3, v: 'three' },
    ]);
    expect(copy.dlq).toEqual([]);
  });

  it('a batch larger than one COPY chunk (several chunks, the escapes across them) writes every row', async () => {
    const recs: Rec[] = Array.from({ length: 3000 }, (_, i) => ({ key: { id: i }, value: { id: i, v: `${i}\t${'x'.repeat(i % 97)}\\${awkward}` } }));
    const { copy, rows } = await bothPaths('chunks', (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, v text)`, {}, [recs], 'id');
    expect(copy).toEqual(rows);
    expect(copy.rows).toHaveLength(3000);
    expect(copy.rows[2999]).toEqual({ id: 2999, v: `2999\t${'x'.repeat(2999 % 97)}\\${awkward}` });
  });
  it('a batch of several parts (Node prepares one while Postgres merges the one before) writes what one merge writes', async () => {
    // Batches over 2 500 records go in parts of 2 500: keys repeated across parts, deletes of keys
    // an earlier part wrote, a truncate in the second part.
    const big: Rec[] = [];
    for (let i = 0; i < 6500; i++) {
      if (i === 2600) big.push({ key: null, value: envelope('t', 0, null) });
      else if (i >= 3000 && i % 7 === 0) big.push({ key: { id: (i - 5) % 3000 }, value: envelope('d', (i - 5) % 3000, null) });
      else big.push({ key: { id: i % 3000 }, value: envelope(i % 2 ? 'u' : 'c', i % 3000, `v${i}\t${awkward}`) });
    }
    const ddl = (t: string) => `CREATE TABLE ${t} (id int PRIMARY KEY, v text); INSERT INTO ${t} VALUES (1, 'truncated'), (9999, 'truncated')`;
    const { copy, rows } = await bothPaths('parts', ddl, { unwrap: 'debezium' }, [big], 'id');
    expect(copy).toEqual(rows);
    expect(copy.rows.find((r) => r.id === 9999)).toBeUndefined();
    expect(copy.rows.find((r) => r.id === 2998)).toEqual({ id: 2998, v: `v5998\t${awkward}` });
    expect(copy.dlq).toEqual([]);
  }, 120_000);

  it('a batch of several parts with a row Postgres refuses is written row by row: only that row is dead-lettered', async () => {
    const refused: Rec[] = Array.from({ length: 2600 }, (_, i) => ({ key: { id: i % 1300 }, value: envelope('u', i % 1300, i === 2550 ? 'nul\u0000' : `w${i}`) }));
    await sql.query('CREATE TABLE parts_refused (id int PRIMARY KEY, v text)');
    const dlq = await run({ table: 'parts_refused', unwrap: 'debezium' }, [refused]);
    expect(dlq.map((d) => d.key)).toEqual([{ id: 2550 % 1300 }]);
    expect(dlq[0]!.error).toMatch(/SQLSTATE 22021/);
    const { rows } = await sql.query('SELECT * FROM parts_refused ORDER BY id');
    expect(rows).toHaveLength(1300);
    expect(rows.find((r) => r.id === 2550 % 1300)).toEqual({ id: 2550 % 1300, v: `w${2550 - 1300}` });
    expect(rows.find((r) => r.id === 1299)).toEqual({ id: 1299, v: 'w2599' });
  }, 120_000);

  it('a COPY refused in a middle part (its merge already queued behind it) sends the batch row by row: only that row is dead-lettered', async () => {
    const recs: Rec[] = Array.from({ length: 6000 }, (_, i) => ({ key: { id: i }, value: { id: i, v: i === 3000 ? 'nul\u0000' : `m${i}` } }));
    await sql.query('CREATE TABLE parts_middle (id int PRIMARY KEY, v text)');
    const dlq = await run({ table: 'parts_middle' }, [recs]);
    expect(dlq.map((d) => d.key)).toEqual([{ id: 3000 }]);
    expect(dlq[0]!.error).toMatch(/SQLSTATE 22021/);
    const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM parts_middle');
    expect(rows[0]!.n).toBe(5999);
  }, 120_000);

  it('a batch whose last merge (which carries the COMMIT) fails on a constraint is written row by row: only that row is dead-lettered', async () => {
    const recs: Rec[] = Array.from({ length: 2700 }, (_, i) => ({ key: { id: i % 2650 }, value: { id: i % 2650, v: i === 2680 ? 'bad' : `w${i}` } }));
    await sql.query("CREATE TABLE parts_check (id int PRIMARY KEY, v text CHECK (v <> 'bad'))");
    const dlq = await run({ table: 'parts_check' }, [recs]);
    expect(dlq.map((d) => d.key)).toEqual([{ id: 2680 % 2650 }]);
    expect(dlq[0]!.error).toMatch(/SQLSTATE 23514/);
    const { rows } = await sql.query('SELECT * FROM parts_check ORDER BY id');
    expect(rows).toHaveLength(2650);
    expect(rows.find((r) => r.id === 2680 % 2650)).toEqual({ id: 30, v: 'w30' });
    expect(rows.find((r) => r.id === 2649)).toEqual({ id: 2649, v: 'w2649' });
  }, 120_000);

  it('a batch of several parts with text and integer keys (duplicates, tombstones, nulls, escapes, unicode) leaves the rows a row-by-row reference computes', async () => {
    // Keys of the usual shape are read from their bytes, the others (escapes, 16 digits) through
    // JSON.parse: both kinds in one batch, repeated across its parts.
    const textKey = (i: number) => (i % 5 === 0 ? `k\t${i}` : i % 5 === 1 ? `ключ-${i} 日本 😀` : i % 5 === 2 ? `q"${i}` : `k${i}`);
    const intKey = (i: number) => (i % 4 === 0 ? -i : i % 4 === 1 ? 1_000_000_000_000_000 + i : i % 4 === 2 ? 100_000_000_000_000 + i : i);
    const value = (i: number) => (i % 11 === 0 ? null : { v: i % 3 === 0 ? null : `${awkward} ${i}`, n: i % 7 === 0 ? null : i });
    for (const [name, keyOf, type] of [['ktext', textKey, 'text'], ['kint', intKey, 'bigint']] as const) {
      const recs: Rec[] = Array.from({ length: 6200 }, (_, i) => {
        const k = keyOf(i % 1700);
        const v = value(i);
        return { key: { k }, value: v && { k, ...v } };
      });
      // The reference: each key's last record, a tombstone deleting the key.
      const want = new Map<string, { k: string; v: unknown; n: unknown }>();
      for (const r of recs) {
        const k = (r.key as { k: string | number }).k;
        if (r.value === null) want.delete(String(k));
        else want.set(String(k), { k: String(k), v: (r.value as { v: unknown }).v, n: (r.value as { n: number | null }).n === null ? null : String((r.value as { n: number }).n) });
      }
      const ddl = (t: string) => `CREATE TABLE ${t} (k ${type} PRIMARY KEY, v text, n bigint)`;
      const { copy, rows } = await bothPaths(name, ddl, {}, [recs], 'k');
      expect(copy).toEqual(rows);
      expect(copy.dlq).toEqual([]);
      const got = copy.rows.map((r) => ({ k: String(r.k), v: r.v, n: r.n === null ? null : String(r.n) }));
      expect(got.sort((a, b) => (a.k < b.k ? -1 : 1))).toEqual([...want.values()].sort((a, b) => (a.k < b.k ? -1 : 1)));
    }
  }, 120_000);

  it('tasks of one sink over several topics write in turn: every row of every partition is in its table', async () => {
    // The worker writes each task's batch as it is ready; they share the sink's connection. Before
    // the sink took them in turn, one task's COMMIT emptied another's stage before its merge (and
    // a ROLLBACK could take back another task's rows): about a sixth of the rows never arrived.
    const log = await testLog();
    const topics = { turns_a: 1, turns_b: 3 };
    for (const [t, partitions] of Object.entries(topics)) {
      await sql.query(`CREATE TABLE ${t} (id int PRIMARY KEY, src text)`);
      await log.client.admin().createTopic(t, { partitions });
      const producer = log.client.producer();
      for (let p = 0; p < partitions; p++) {
        await producer.send(t, Array.from({ length: 600 }, (_, i) => ({ key: JSON.stringify({ id: p * 600 + i }), value: JSON.stringify({ id: p * 600 + i, src: t }), partition: p })));
      }
    }
    const a = app({ id: `turns${n++}`, log: log.client, logger: silentLogger, batch: { maxRecords: 100 } });
    a.addSink('out', new PostgresSink(postgresSinkConfig.parse({ connectionString: db.url, table: 'public.{topic}', primaryKey: ['id'] })), { topics: Object.keys(topics) });
    await a.start();
    try {
      await a.idle(500);
    } finally {
      await a.stop();
    }
    for (const [t, partitions] of Object.entries(topics)) {
      const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
      expect(rows[0]!.n, t).toBe(partitions * 600);
    }
  });
});
