/**
 * C2 — Postgres sink: 1 000 000 keyed records (JSON values of about 100 bytes, distinct ids)
 * upserted into a table of the machine's Postgres by the postgres sink in a worker on the
 * embedded log; rows/s from the sink's start until the last row is committed.
 *
 * Its reference, measured in the same process, interleaved run by run (the machine's speed
 * drifts): `plain-copy-merge`, the same JSON values upserted without Sluice in the fastest honest
 * shape we know (docs/notes/postgres-cdc.md, 4b): JSON.parse per record, a COPY text line per row into a
 * temporary table typed like the target (ON COMMIT DELETE ROWS), one INSERT … SELECT … ON CONFLICT
 * DO UPDATE and COMMIT per 10 000 rows, on one connection. SLUICE_BENCH_C2_AB=1 also runs the sink
 * with copy: false (the unnest statements) in the same rotation.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PostgresSink, postgresSinkConfig } from '../connectors/postgres/index.js';
import { embedded } from '../core/client/embedded/client.js';
import { app } from '../core/worker/app.js';
import { silentLogger } from '../core/worker/logger.js';
import { cpuMs, median, padJson, peakRssMb, procCpuMs, report, waitForCommitted } from './lib.js';

const N = 1_000_000;
const BATCH = 10_000;
const adminUrl = process.env.SLUICE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `sluice_bench_${randomBytes(3).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const sql = new pg.Client({ connectionString: url.toString() });
await sql.connect();

const value = (j: number) => padJson({ id: j, customer: `user-${j % 10000}`, amount: (j % 1000) / 10, status: 'new' });
const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
const { engine } = await client.deps();
await client.admin().createTopic('rows', { partitions: 1 });
for (let i = 0; i < N; i += BATCH) {
  const batch = [];
  for (let j = i; j < i + BATCH; j++) batch.push({ key: JSON.stringify({ id: j }), value: value(j) });
  await client.producer().send('rows', batch);
}
const freshTable = () => sql.query('DROP TABLE IF EXISTS orders; CREATE TABLE orders (id bigint PRIMARY KEY, customer text, amount numeric, status text, p text)');
async function checkTable(): Promise<void> {
  const count = Number((await sql.query('SELECT count(*) FROM orders')).rows[0].count);
  if (count !== N) throw new Error(`table has ${count} rows, expected ${N}`);
}

let run = 0;

/** Per run: this process's CPU and the writing backend's, in ms, for the 1 000 000 rows. */
const cpu: Record<'sink' | 'plain' | 'statements', Array<{ node: number; backend: number }>> = { sink: [], plain: [], statements: [] };
/** The sink in a worker: seconds from the app's start until every record's offset is committed. */
async function sink(copy: boolean): Promise<number> {
  await freshTable();
  // Each run's app gets its own client over the shared engine (stopping an app closes its client).
  const a = app({ id: `c2-${run++}`, log: embedded(engine), logger: silentLogger, batch: { maxRecords: BATCH, maxWaitMs: 20 } });
  a.addSink('pg', new PostgresSink(postgresSinkConfig.parse({ connectionString: url.toString(), table: 'orders', unknownFields: 'ignore', ...(copy ? {} : { copy: false }) })), { topics: ['rows'] });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await a.start();
  await waitForCommitted(client, `${a.id}.sink-pg`, N, 20);
  const seconds = (performance.now() - t0) / 1000;
  const node = cpuMs(cpu0);
  // The sink's connection is the only other client of this database.
  const backend = await sql.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  cpu[copy ? 'sink' : 'statements'].push({ node, backend: backend.rows.length === 1 ? procCpuMs(backend.rows[0].pid) : NaN });
  await a.stop();
  await checkTable();
  return seconds;
}

/** The reference: the same values, read from the same log, upserted by plain code (see the header). */
async function plain(): Promise<number> {
  await freshTable();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  await c.query('CREATE TEMP TABLE stage (LIKE orders) ON COMMIT DELETE ROWS');
  const esc = (s: string) => (/[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r')) : s);
  const field = (v: unknown) => (v === null || v === undefined ? '\\N' : esc(typeof v === 'object' ? JSON.stringify(v) : String(v)));
  for (let offset = 0; offset < N; ) {
    const { records } = await engine.readRecords('rows', 0, offset, 4 << 20);
    for (let i = 0; i < records.length; i += BATCH) {
      let text = '';
      for (const r of records.slice(i, i + BATCH)) {
        const v = JSON.parse(r.value!.toString()) as Record<string, unknown>;
        text += `${field(v.id)}\t${field(v.customer)}\t${field(v.amount)}\t${field(v.status)}\t${field(v.p)}\n`;
      }
      await c.query('BEGIN');
      const copy = c.query(copyFrom('COPY stage FROM STDIN'));
      copy.end(text);
      await once(copy, 'finish');
      await c.query('INSERT INTO orders SELECT * FROM stage ON CONFLICT (id) DO UPDATE SET customer = EXCLUDED.customer, amount = EXCLUDED.amount, status = EXCLUDED.status, p = EXCLUDED.p');
      await c.query('COMMIT');
    }
    offset = records.at(-1)!.offset + 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  cpu.plain.push({ node: cpuMs(cpu0), backend: procCpuMs(pid) });
  await c.end();
  await checkTable();
  return seconds;
}

const ab = process.env.SLUICE_BENCH_C2_AB === '1';
await sink(true); // warm-up
await plain();
const copyRuns: number[] = [];
const plainRuns: number[] = [];
const statementRuns: number[] = [];
for (let r = 0; r < 3; r++) {
  copyRuns.push(await sink(true));
  plainRuns.push(await plain());
  if (ab) statementRuns.push(await sink(false));
  const c = (k: 'sink' | 'plain' | 'statements') => `node ${Math.round(cpu[k].at(-1)!.node)} ms, backend ${Math.round(cpu[k].at(-1)!.backend)} ms CPU`;
  console.error(`C2 run ${r}: upsert ${Math.round(N / copyRuns[r]!)} rows/s (${c('sink')}), plain-copy-merge ${Math.round(N / plainRuns[r]!)} rows/s (${c('plain')})${ab ? `, upsert-statements ${Math.round(N / statementRuns[r]!)} rows/s (${c('statements')})` : ''}`);
}
report('C2', 'upsert', Math.round(N / median(copyRuns)), 'rows/s');
report('C2', 'plain-copy-merge', Math.round(N / median(plainRuns)), 'rows/s');
if (ab) report('C2', 'upsert-statements', Math.round(N / median(statementRuns)), 'rows/s');
// What bounds each: the CPU this process and the writing backend spent on the 1 000 000 rows (medians of the timed runs).
const timed = (k: 'sink' | 'plain' | 'statements', f: 'node' | 'backend') => Math.round(median(cpu[k].slice(-3).map((x) => x[f])));
report('C2', 'upsert-node-cpu', timed('sink', 'node'), 'ms');
report('C2', 'upsert-backend-cpu', timed('sink', 'backend'), 'ms');
report('C2', 'plain-node-cpu', timed('plain', 'node'), 'ms');
report('C2', 'plain-backend-cpu', timed('plain', 'backend'), 'ms');
if (ab) report('C2', 'upsert-statements-node-cpu', timed('statements', 'node'), 'ms');
if (ab) report('C2', 'upsert-statements-backend-cpu', timed('statements', 'backend'), 'ms');
report('C2', 'peak-rss', Math.round(peakRssMb()), 'MB');
await sql.end();
await admin.query(`DROP DATABASE ${dbName}`);
await admin.end();
process.exit(0);
