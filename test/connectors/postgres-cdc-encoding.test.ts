/**
 * The CDC source's two ways from pgoutput to records (change-encoder.ts) give the same bytes: the
 * same messages, read from a slot of a private wal_level=logical cluster with
 * pg_logical_slot_peek_binary_changes (what the walsender streams), go through the byte path and
 * the object path (`bytes: false`, the code every change took before), and every record's topic,
 * key and value must be equal — for every type the source maps, odd text, odd column names, NULL
 * and unchanged TOAST values, each replica identity, inserts, updates (also of the key), deletes
 * with their tombstones, truncates, in a UTC and a non-UTC session.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ChangeEncoder } from '../../connectors/postgres-cdc/change-encoder.js';
import { pgCluster } from '../support/pg-cluster.js';

const cluster = await pgCluster();
const sql = new pg.Client({ connectionString: cluster.connectionString() });
await sql.connect();
afterAll(() => sql.end().catch(() => {}));

const TYPES = `id bigint PRIMARY KEY, i2 smallint, i4 int, i8 bigint, o oid, f4 real, f8 double precision, n numeric, n2 numeric(10,2), b boolean,
  t text, vc varchar(20), ch char(4), u uuid, d date, tm time, ttz timetz, ts timestamp, tz timestamptz, iv interval, by bytea, j json, jb jsonb,
  ai int[], at text[], ajb jsonb[], atz timestamptz[], ip inet, x xml, "Mixed ""Quoted"" Näme" text, "__proto__" text, big text`;

const ROWS = [
  `(1, 1, -2147483648, 9007199254740991, 4294967295, 1.5, 1e-7, 123456789012345678901234567890.123, 12.5, true,
    'plain ascii', 'varchar', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29', '13:14:15.123', '13:14:15+02', '2024-01-02 03:04:05.678', '2024-01-02 03:04:05+02',
    '1 day 02:03:04', '\\x0102ff', '{"a": [1, 2.50, 1e3], "s": "\\u00e9"}', '{"b": {"c": null}, "a": 1}', '{1,NULL,3}', '{"x y","q\\"uote",NULL,"back\\\\slash"}',
    ARRAY['{"k": 1}'::jsonb], ARRAY['2024-01-02 03:04:05.123456+00'::timestamptz], '192.168.0.1/24', '<a>x</a>', 'named', 'proto', repeat('toast', 4000))`,
  `(2, -32768, 0, -9007199254740993, 0, 'NaN', 'Infinity', 'NaN', -0.5, false,
    E'tab\\there "quotes" \\\\ back\\nline\\u0001 é 日本 😀', '', '    ', NULL, '-infinity', '00:00', '00:00+00', 'infinity', '2024-01-02 03:04:05.5+00',
    '-1 mons', '', '"just a string"', '[]', '{}', '{}', '{}', '{}', '::1', NULL, NULL, NULL, NULL)`,
  `(3, NULL, NULL, 12345678901234567, NULL, '-Infinity', -1.7976931348623157e308, 0, 0, NULL,
    NULL, NULL, NULL, NULL, '0044-03-15 BC', NULL, NULL, '0044-03-15 12:00:00 BC', '2024-06-30 23:59:59.999999-09:30', NULL, NULL, 'null', '"s"', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
];

/** Every message of the slot so far, without consuming them. */
async function messages(slot: string, pub: string): Promise<Buffer[]> {
  const res = await sql.query(`SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`, [slot, pub]);
  return res.rows.map((r) => r.data as Buffer);
}

/**
 * The messages through an encoder: each record's topic, key and value as text, with whether they
 * came as bytes. The records are all kept and read at the end, as a worker reads a poll of many
 * transactions: a record whose bytes a later transaction overwrote would show here.
 */
function encode(msgs: Buffer[], bytes: boolean, primaryKeys: Map<string, string[]>, now = 1_700_000_000_000) {
  const enc = new ChangeEncoder({ db: 'postgres', slot: 's', topicPrefix: 'pg', primaryKeys, bytes });
  const records = [];
  for (const m of msgs) {
    const commit = enc.message(m);
    if (commit) records.push(...enc.records(commit, { lsn: '0/1', snapshot: 'done' }, now));
  }
  return records.map((r) => ({ topic: r.topic!, key: r.key === null || r.key === undefined ? null : r.key.toString(), value: r.value === null || r.value === undefined ? null : r.value.toString(), ts: r.timestamp, asBytes: Buffer.isBuffer(r.value ?? r.key) }));
}

describe('postgres-cdc: pgoutput to envelope bytes', () => {
  it('gives the bytes the object path gives, for every type, name, identity and kind of change', async () => {
    await sql.query(`CREATE TABLE enc_pk (${TYPES})`);
    await sql.query(`CREATE TABLE enc_full (${TYPES})`);
    await sql.query('ALTER TABLE enc_full REPLICA IDENTITY FULL');
    await sql.query(`CREATE TABLE enc_idx (a int NOT NULL, b text NOT NULL, v text); CREATE UNIQUE INDEX enc_idx_ab ON enc_idx (b, a); ALTER TABLE enc_idx REPLICA IDENTITY USING INDEX enc_idx_ab`);
    await sql.query(`CREATE TABLE enc_comp (r text, id int, "0" text, v text, PRIMARY KEY (r, id))`); // "0": JSON puts it first, the object path keeps it
    await sql.query('CREATE TABLE enc_nokey (v text)');
    await sql.query('ALTER TABLE enc_pk ALTER COLUMN big SET STORAGE EXTERNAL');
    await sql.query('CREATE PUBLICATION enc_pub FOR TABLE enc_pk, enc_full, enc_idx, enc_comp, enc_nokey');
    await sql.query("SELECT pg_create_logical_replication_slot('enc_slot', 'pgoutput')");

    for (const t of ['enc_pk', 'enc_full']) {
      await sql.query(`INSERT INTO ${t} VALUES ${ROWS.join(', ')}`);
      await sql.query(`BEGIN; UPDATE ${t} SET i4 = i4 + 1, t = 'changed' WHERE id = 1; UPDATE ${t} SET id = 10 WHERE id = 2; DELETE FROM ${t} WHERE id = 3; COMMIT`);
    }
    await sql.query(`INSERT INTO enc_idx VALUES (1, 'x', 'one'), (2, 'y"z', NULL); UPDATE enc_idx SET v = 'uno' WHERE a = 1; UPDATE enc_idx SET b = 'w' WHERE a = 2; DELETE FROM enc_idx WHERE a = 1`);
    await sql.query(`INSERT INTO enc_comp VALUES ('eu', 1, 'zero', 'v'); UPDATE enc_comp SET v = 'w'; DELETE FROM enc_comp`);
    await sql.query(`INSERT INTO enc_nokey VALUES ('a'); TRUNCATE enc_pk, enc_nokey`);

    const primaryKeys = new Map([
      ['public.enc_pk', ['id']],
      ['public.enc_full', ['id']],
      ['public.enc_idx', []],
      ['public.enc_comp', ['r', 'id']],
      ['public.enc_nokey', []],
    ]);
    for (const zone of ['UTC', 'America/St_Johns']) {
      await sql.query(`SET TimeZone = '${zone}'`);
      const msgs = await messages('enc_slot', 'enc_pub');
      const viaBytes = encode(msgs, true, primaryKeys);
      const viaObjects = encode(msgs, false, primaryKeys);
      expect(viaBytes.map(({ asBytes: _, ...r }) => r)).toEqual(viaObjects.map(({ asBytes: _, ...r }) => r));
      // Not two equal mistakes: the changes are all there, and the byte path did write them.
      expect(viaBytes.filter((r) => r.topic === 'pg.public.enc_pk').map((r) => (r.value ? JSON.parse(r.value).op : 'tombstone'))).toEqual(['c', 'c', 'c', 'u', 'u', 'd', 'tombstone', 't']);
      // Everything but the truncates and the table with a column named "0" came as bytes.
      expect(viaBytes.filter((r) => r.asBytes).length).toBe(viaBytes.filter((r) => !r.topic.endsWith('enc_comp') && !(r.value && JSON.parse(r.value).op === 't')).length);
      expect(viaBytes.filter((r) => r.topic.endsWith('enc_comp')).map((r) => r.key)).toEqual(['{"r":"eu","id":1}', '{"r":"eu","id":1}', '{"r":"eu","id":1}', '{"r":"eu","id":1}']);
      const first = JSON.parse(viaBytes[0]!.value!);
      expect(first.after).toMatchObject({ id: 1, i8: 9007199254740991, f8: 1e-7, n: '123456789012345678901234567890.123', j: { a: [1, 2.5, 1000], s: 'é' }, ai: [1, null, 3], 'Mixed "Quoted" Näme': 'named', ['__proto__']: 'proto' });
      expect(Object.keys(first.after)).toContain('__proto__');
      expect(JSON.parse(viaBytes[1]!.value!).after).toMatchObject({ i8: '-9007199254740993', f4: 'NaN', t: 'tab\there "quotes" \\ back\nline\u0001 é 日本 😀', ts: 'infinity', tz: '2024-01-02T03:04:05.500Z' });
      const update = JSON.parse(viaBytes[3]!.value!);
      expect(update.after.big).toBe('__debezium_unavailable_value');
      expect(viaBytes.find((r) => r.topic === 'pg.public.enc_idx')!.key).toBe('{"a":1,"b":"x"}'); // the replica identity's columns, in the table's order
    }
    await sql.query("SELECT pg_drop_replication_slot('enc_slot')");
  });

  it('keeps every record of earlier transactions intact while later ones are staged, across slabs and in a transaction larger than one', async () => {
    await sql.query('CREATE TABLE enc_many (id bigint PRIMARY KEY, t text, at timestamptz DEFAULT now())');
    await sql.query('CREATE PUBLICATION enc_many_pub FOR TABLE enc_many');
    await sql.query("SELECT pg_create_logical_replication_slot('enc_many_slot', 'pgoutput')");
    // 60 transactions of 40 rows of ~1 KB (about 2.5 MB staged: slabs of 1 MiB), then one of 1 500 rows (1.5 MB), then one more.
    for (let t = 0; t < 60; t++) await sql.query(`INSERT INTO enc_many SELECT g, repeat(md5(g::text), 32) FROM generate_series(${t * 40}, ${t * 40 + 39}) g`);
    await sql.query("INSERT INTO enc_many SELECT g, repeat(md5(g::text), 32) || 'é' FROM generate_series(11500, 12999) g");
    await sql.query('BEGIN; UPDATE enc_many SET t = \'x\' WHERE id < 5; DELETE FROM enc_many WHERE id >= 12990; COMMIT');
    const primaryKeys = new Map([['public.enc_many', ['id']]]);
    await sql.query("SET TimeZone = 'UTC'");
    const msgs = await messages('enc_many_slot', 'enc_many_pub');
    const viaBytes = encode(msgs, true, primaryKeys);
    expect(viaBytes.length).toBe(2400 + 1500 + 5 + 10 * 2);
    expect(viaBytes.every((r) => r.asBytes)).toBe(true);
    const strip = (rs: typeof viaBytes) => rs.map(({ asBytes: _, ...r }) => r);
    expect(strip(viaBytes)).toEqual(strip(encode(msgs, false, primaryKeys)));
    expect(viaBytes.map((r) => (r.value ? JSON.parse(r.value).after?.id ?? JSON.parse(r.value).before.id : 'tombstone')).slice(0, 3)).toEqual([0, 1, 2]);
    // A ts_ms of other than 13 digits is written too (the slab holds room for 13).
    const early = encode(msgs.slice(0, 100), true, primaryKeys, 5);
    expect(strip(early)).toEqual(strip(encode(msgs.slice(0, 100), false, primaryKeys, 5)));
    expect(JSON.parse(early[0]!.value!).ts_ms).toBe(5);
    await sql.query("SELECT pg_drop_replication_slot('enc_many_slot')");
  });
});
