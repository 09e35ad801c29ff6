/**
 * C2 — Postgres sink: 1 000 000 keyed records (JSON values of about 100 bytes, distinct ids)
 * upserted into a table of the machine's Postgres by the postgres sink in a worker on the
 * embedded log; rows/s from the sink's start until the last row is committed.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresSink, postgresSinkConfig } from '../connectors/postgres/index.js';
import { embedded } from '../core/client/embedded/client.js';
import { app } from '../core/worker/app.js';
import { silentLogger } from '../core/worker/logger.js';
import { median, padJson, peakRssMb, report } from './lib.js';

const N = 1_000_000;
const adminUrl = process.env.SLUICE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `sluice_bench_${randomBytes(3).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const sql = new pg.Client({ connectionString: url.toString() });
await sql.connect();

const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
const { engine } = await client.deps();
await client.admin().createTopic('rows', { partitions: 1 });
for (let i = 0; i < N; i += 10_000) {
  const batch = [];
  for (let j = i; j < i + 10_000; j++) batch.push({ key: JSON.stringify({ id: j }), value: padJson({ id: j, customer: `user-${j % 10000}`, amount: (j % 1000) / 10, status: 'new' }) });
  await client.producer().send('rows', batch);
}

let run = 0;
async function once(): Promise<number> {
  await sql.query('DROP TABLE IF EXISTS orders; CREATE TABLE orders (id bigint PRIMARY KEY, customer text, amount numeric, status text, p text)');
  // Each run's app gets its own client over the shared engine (stopping an app closes its client).
  const a = app({ id: `c2-${run++}`, log: embedded(engine), logger: silentLogger, batch: { maxRecords: 10_000, maxWaitMs: 20 } });
  a.addSink('pg', new PostgresSink(postgresSinkConfig.parse({ connectionString: url.toString(), table: 'orders', unknownFields: 'ignore' })), { topics: ['rows'] });
  const t0 = performance.now();
  await a.start();
  for (;;) {
    const g = await client.admin().describeGroup(`${a.id}.sink-pg`);
    if (g.offsets.reduce((s, o) => s + o.committed, 0) >= N) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  await a.stop();
  const count = Number((await sql.query('SELECT count(*) FROM orders')).rows[0].count);
  if (count !== N) throw new Error(`table has ${count} rows, expected ${N}`);
  return seconds;
}

await once();
const secs = [await once(), await once(), await once()];
report('C2', 'upsert', Math.round(N / median(secs)), 'rows/s');
report('C2', 'peak-rss', Math.round(peakRssMb()), 'MB');
await sql.end();
await admin.query(`DROP DATABASE ${dbName}`);
await admin.end();
process.exit(0);
