/**
 * C1 — Postgres CDC: 100 000 rows inserted as 1 000 transactions of 100 rows into a table in the
 * publication, captured live (snapshot: never) by the postgres-cdc source of a worker into a topic
 * of an embedded log on disk (default flush policy). Postgres is a private cluster with
 * wal_level=logical (the test harness's). The inserter runs in a worker thread, one round trip per
 * transaction, and notes when each COMMIT returned; the main thread waits on the topic and notes
 * when each transaction's last row was appended. Figures: rows/s from the first BEGIN to the last
 * append (live capture is bounded by the inserter, also reported), the commit → append lag p50/p99
 * over the 1 000 transactions, and catch-up: the same rows inserted while no worker runs, captured
 * from the slot's backlog (rows/s from the worker's start), the source's own capacity.
 *
 * Catch-up's reference, measured in the same process and interleaved with it run by run (the
 * machine's speed drifts): `plain-catch-up`, the same backlog read by a plain consumer on `pg`
 * (START_REPLICATION in CopyBoth, a ~30-line pgoutput decoder keeping values as strings, a status
 * update per commit, no envelope, no log): what the walsender, the socket and a minimal client
 * reach together (docs/notes/postgres-cdc.md: 123–137 k rows/s on a quiet machine).
 * SLUICE_BENCH_C1=catch-up runs catch-up and its reference only.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { PostgresCdcSource, postgresCdcConfig } from '../connectors/postgres-cdc/index.js';
import { embedded } from '../core/client/embedded/client.js';
import { app } from '../core/worker/app.js';
import { silentLogger } from '../core/worker/logger.js';
import { pgCluster } from '../test/support/pg-cluster.js';
import { cpuMs, median, peakRssMb, percentile, procCpuMs, report } from './lib.js';

const require = createRequire(import.meta.url);
const TXNS = 1000;
const ROWS = 100;
const N = TXNS * ROWS;

const cluster = await pgCluster();
const url = cluster.connectionString();
const sql = new pg.Client({ connectionString: url });
await sql.connect();

/** The inserter (plain JS in a worker thread): wall-clock times (ms) of its first BEGIN and of each COMMIT's return. */
const inserterCode = `
const { parentPort, workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
(async () => {
  const c = new pg.Client({ connectionString: workerData.url });
  await c.connect();
  const committed = [];
  const started = performance.timeOrigin + performance.now();
  for (let t = 0; t < workerData.txns; t++) {
    let values = '';
    for (let i = 0; i < workerData.rows; i++) {
      const id = workerData.base + t * workerData.rows + i;
      values += (i ? ',' : '') + '(' + id + ",'user-" + (id % 10000) + "','" + (id % 2 ? 'click' : 'view') + "'," + (id % 1000) + ')';
    }
    await c.query('BEGIN; INSERT INTO c1_events (id, user_id, action, amount) VALUES ' + values + '; COMMIT');
    committed.push(performance.timeOrigin + performance.now());
  }
  await c.end();
  parentPort.postMessage({ started, committed });
})();
`;

let run = 0;

/** The CPU the slot's walsender has used since it started streaming (ms). */
async function walsenderCpuMs(slot: string): Promise<number> {
  const res = await sql.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  const pid = res.rows[0]?.active_pid as number | null | undefined;
  return pid ? procCpuMs(pid) : NaN;
}
/**
 * All the cluster's CPU so far (ms): the postmaster's, its reaped children's and its live
 * children's. A catch-up through SQL (see connectors/postgres-cdc/backlog-peek.ts) runs in a
 * backend that ends before the run does, where a walsender's CPU can be read at the end.
 */
const postmaster = Number(fs.readFileSync(`/proc/${(await sql.query('SELECT pg_backend_pid() AS p')).rows[0].p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
function clusterCpuMs(): number {
  const fields = (pid: number | string) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const own = fields(postmaster);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = fields(d);
      if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile (its CPU is then in the postmaster's reaped children's)
    }
  }
  return ticks * 10;
}
/** Per catch-up run: this process's CPU, the walsender's and the whole cluster's, in ms, for the backlog. */
const cpu: Record<'sluice' | 'plain', Array<{ node: number; walsender: number; server: number }>> = { sluice: [], plain: [] };

/** Slot, publication and a fresh table; then the inserter's 100 000 rows while nobody reads the slot. */
async function backlog(slot: string): Promise<number> {
  await sql.query('DROP TABLE IF EXISTS c1_events; CREATE TABLE c1_events (id bigint PRIMARY KEY, user_id text, action text, amount int, at timestamptz DEFAULT now())');
  await sql.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
  await sql.query(`CREATE PUBLICATION ${slot} FOR TABLE c1_events`);
  const base = run * N;
  run++;
  const inserter = new Worker(inserterCode, { eval: true, workerData: { url, txns: TXNS, rows: ROWS, base, pgPath: require.resolve('pg') } });
  await new Promise((resolve, reject) => {
    inserter.once('message', resolve);
    inserter.once('error', reject);
  });
  await inserter.terminate();
  return base;
}

/** The reference consumer (see the header): rows/s from connecting until the backlog's last row is decoded. */
async function plainCatchUp(): Promise<number> {
  const slot = `c1_${run}`;
  await backlog(slot);
  const started = performance.timeOrigin + performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = clusterCpuMs();
  const c = new pg.Client({ connectionString: url, replication: 'database' } as pg.ClientConfig);
  await c.connect();
  const conn = (c as unknown as { connection: { on(ev: string, cb: (m: { chunk: Buffer }) => void): void; sendCopyFromChunk(b: Buffer): void } }).connection;
  let rows = 0;
  let last = 0;
  const done = new Promise<void>((resolve) => {
    const relations = new Map<number, string[]>();
    conn.on('copyData', ({ chunk }) => {
      if (chunk[0] !== 0x77) return; // keepalives need no answer here
      const m = chunk.subarray(25);
      const tag = m[0];
      if (tag === 0x52 /* R */) {
        let p = 5;
        for (let k = 0; k < 2; k++) p = m.indexOf(0, p) + 1; // schema, table
        const n = m.readInt16BE(p + 1);
        p += 3;
        const names: string[] = [];
        for (let i = 0; i < n; i++) {
          const end = m.indexOf(0, p + 1);
          names.push(m.toString('utf8', p + 1, end));
          p = end + 9; // type oid, typmod
        }
        relations.set(m.readInt32BE(1), names);
      } else if (tag === 0x49 /* I */) {
        const n = m.readInt16BE(6);
        const values: Array<string | null> = new Array(n);
        let p = 8;
        for (let i = 0; i < n; i++) {
          const kind = m[p++];
          if (kind === 0x74 /* t */) {
            const len = m.readInt32BE(p);
            values[i] = m.toString('utf8', p + 4, p + 4 + len);
            p += 4 + len;
          } else values[i] = null;
        }
        last = values.length;
        rows++;
      } else if (tag === 0x43 /* C */) {
        const ack = Buffer.alloc(34);
        ack[0] = 0x72;
        const end = m.readBigUInt64BE(10);
        ack.writeBigUInt64BE(end, 1);
        ack.writeBigUInt64BE(end, 9);
        ack.writeBigUInt64BE(end, 17);
        conn.sendCopyFromChunk(ack);
        if (rows >= N) resolve();
      }
    });
  });
  c.query(`START_REPLICATION SLOT ${slot} LOGICAL 0/0 (proto_version '1', publication_names '${slot}')`).catch(() => {});
  await done;
  const rate = N / ((performance.timeOrigin + performance.now() - started) / 1000);
  cpu.plain.push({ node: cpuMs(cpu0), walsender: await walsenderCpuMs(slot), server: clusterCpuMs() - server0 });
  if (last !== 5) throw new Error(`decoded ${last} columns, expected 5`);
  await c.end().catch(() => {});
  await sql.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
  await sql.query(`DROP PUBLICATION IF EXISTS ${slot}`);
  return rate;
}

async function once(catchUp = false): Promise<{ rowsPerSec: number; insertPerSec: number; lags: number[] }> {
  const slot = `c1_${run}`;
  await sql.query('DROP TABLE IF EXISTS c1_events; CREATE TABLE c1_events (id bigint PRIMARY KEY, user_id text, action text, amount int, at timestamptz DEFAULT now())');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-c1-'));
  const client = embedded({ dataDir: dir });
  const { engine } = await client.deps();
  const a = app({ id: `c1-${run}`, log: client, logger: silentLogger, batch: { maxRecords: 10_000, maxWaitMs: 5 } });
  a.addSource(
    'pg',
    new PostgresCdcSource(postgresCdcConfig.parse({ connectionString: url, tables: ['public.c1_events'], slot, publication: slot, snapshot: 'never', topicPrefix: 'c1' })),
  );
  // Catch-up: the slot exists and the rows are inserted while no worker runs; then it starts.
  const started = catchUp ? null : a.start();
  if (catchUp) {
    await sql.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    await sql.query(`CREATE PUBLICATION ${slot} FOR TABLE c1_events`);
  }
  await started;
  const topic = 'c1.public.c1_events';

  const base = run * N;
  run++;
  const inserter = new Worker(inserterCode, { eval: true, workerData: { url, txns: TXNS, rows: ROWS, base, pgPath: require.resolve('pg') } });
  const inserted = new Promise<{ started: number; committed: number[] }>((resolve, reject) => {
    inserter.once('message', resolve);
    inserter.once('error', reject);
  });

  let startedAt = 0;
  let cpu0 = process.cpuUsage();
  let server0 = 0;
  if (catchUp) {
    await inserted;
    startedAt = performance.timeOrigin + performance.now();
    cpu0 = process.cpuUsage();
    server0 = clusterCpuMs();
    await a.start();
    if (process.env.SLUICE_BENCH_C1_DEBUG) console.error(`C1 catch-up: app started in ${Math.round(performance.timeOrigin + performance.now() - startedAt)} ms`);
  }
  // Follow the topic: when a transaction's last row (id ≡ ROWS-1 mod ROWS) is appended, note the time.
  // Catch-up needs only the time of the last append: waiting on the high watermark decodes nothing,
  // so this process's CPU is the pipeline's alone.
  const appendedAt = new Array<number>(TXNS);
  let offset = 0;
  let seen = 0;
  if (catchUp) {
    while (!(await engine.waitFor(topic, 0, N - 1, 1000)));
    appendedAt.fill(performance.timeOrigin + performance.now());
    seen = N;
  }
  while (seen < N) {
    await engine.waitFor(topic, 0, offset, 1000);
    const now = performance.timeOrigin + performance.now();
    const { records } = await engine.readRecords(topic, 0, offset, 4 << 20);
    for (const r of records) {
      offset = r.offset + 1;
      if (!r.value) continue; // tombstones (none here)
      seen++;
      const id = Number(JSON.parse(r.key!.toString()).id) - base;
      if (id % ROWS === ROWS - 1) appendedAt[Math.floor(id / ROWS)] = now;
    }
  }
  if (catchUp) cpu.sluice.push({ node: cpuMs(cpu0), walsender: await walsenderCpuMs(slot), server: clusterCpuMs() - server0 });
  const { started: firstBegin, committed: commits } = await inserted;
  await inserter.terminate();
  await a.stop();
  await sql.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
  await sql.query(`DROP PUBLICATION IF EXISTS ${slot}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const lags = commits.map((c, t) => appendedAt[t]! - c).sort((x, y) => x - y);
  if (catchUp && process.env.SLUICE_BENCH_C1_DEBUG) console.error(`C1 catch-up: last transaction appended after ${Math.round(Math.max(...appendedAt) - startedAt)} ms`);
  if (catchUp) return { rowsPerSec: N / ((Math.max(...appendedAt) - startedAt) / 1000), insertPerSec: 0, lags: [] };
  return { rowsPerSec: N / ((Math.max(...appendedAt) - firstBegin) / 1000), insertPerSec: N / ((commits.at(-1)! - firstBegin) / 1000), lags };
}


const catchUpOnly = process.env.SLUICE_BENCH_C1 === 'catch-up';
if (!catchUpOnly) {
  await once(); // warm-up
  const runs = [await once(), await once(), await once()];
  report('C1', 'capture', Math.round(median(runs.map((r) => r.rowsPerSec))), 'rows/s');
  report('C1', 'inserter', Math.round(median(runs.map((r) => r.insertPerSec))), 'rows/s');
  report('C1', 'lag-p50', Math.round(median(runs.map((r) => percentile(r.lags, 50))) * 10) / 10, 'ms');
  report('C1', 'lag-p99', Math.round(median(runs.map((r) => percentile(r.lags, 99))) * 10) / 10, 'ms');
}
// Catch-up and its reference, interleaved (after a warm-up of each).
await once(true);
await plainCatchUp();
const catchUps: number[] = [];
const plains: number[] = [];
for (let r = 0; r < 3; r++) {
  catchUps.push((await once(true)).rowsPerSec);
  plains.push(await plainCatchUp());
  const c = (k: 'sluice' | 'plain') => `node ${Math.round(cpu[k].at(-1)!.node)} ms, walsender ${Math.round(cpu[k].at(-1)!.walsender)} ms, cluster ${Math.round(cpu[k].at(-1)!.server)} ms CPU`;
  console.error(`C1 run ${r}: catch-up ${Math.round(catchUps[r]!)} rows/s (${c('sluice')}), plain-catch-up ${Math.round(plains[r]!)} rows/s (${c('plain')})`);
}
report('C1', 'catch-up', Math.round(median(catchUps)), 'rows/s');
report('C1', 'plain-catch-up', Math.round(median(plains)), 'rows/s');
// What bounds catch-up: the CPU each side spent on the 100 000 rows (medians of the timed runs).
const timed = (k: 'sluice' | 'plain', f: 'node' | 'walsender' | 'server') => Math.round(median(cpu[k].slice(-3).map((x) => x[f])));
report('C1', 'catch-up-node-cpu', timed('sluice', 'node'), 'ms');
report('C1', 'catch-up-walsender-cpu', timed('sluice', 'walsender'), 'ms');
report('C1', 'catch-up-cluster-cpu', timed('sluice', 'server'), 'ms');
report('C1', 'plain-catch-up-node-cpu', timed('plain', 'node'), 'ms');
report('C1', 'plain-catch-up-walsender-cpu', timed('plain', 'walsender'), 'ms');
report('C1', 'plain-catch-up-cluster-cpu', timed('plain', 'server'), 'ms');
report('C1', 'peak-rss', Math.round(peakRssMb()), 'MB');
await sql.end();
cluster.stop();
process.exit(0);
