/**
 * `sluice connect` and `sluice run` whose start fails: the process stops what it started and exits
 * non-zero with the error on one line, releasing the data directory's lock (it used to print the
 * error and hang, holding the lock, so a supervisor never restarted it).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { sluiceSync, type CliResult } from '../support/cli.js';
import { pgCluster } from '../support/pg-cluster.js';
import { testDatabase } from '../support/pg-database.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const dir = tempDir('failed-start-cli');
const db = await testDatabase();
const role = `sluice_norepl_${process.pid}`;
// CDC needs wal_level=logical (checked first at start), which the machine's Postgres does not
// have: the CDC cases run against the file's private cluster.
const cluster = await pgCluster();
const cdcUrl = cluster.connectionString();

beforeAll(async () => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('CREATE TABLE no_pk (id int, v text)');
  await c.end();
  const l = new pg.Client({ connectionString: cdcUrl });
  await l.connect();
  await l.query('CREATE TABLE orders (id int PRIMARY KEY, v text)');
  await l.query(`CREATE ROLE ${role} LOGIN`);
  await l.query(`GRANT SELECT ON orders TO ${role}`);
  await l.end();
});


function connect(name: string, yaml: string[], extra: string[] = []): CliResult & { dataDir: string } {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, [`app: ${name}`, 'dataDir: ./' + name, ...yaml].join('\n') + '\n');
  return { ...sluiceSync(['connect', file, ...extra], { timeoutMs: 30_000 }), dataDir: path.join(dir, name) };
}

const fileSink = ['sinks:', '  - connector: file', '    name: out', '    topics: [t]', '    config: { dir: ./out }'];

/** Exited by itself (not killed by the timeout), non-zero, the error on stderr, nothing left open. */
function expectFailedStart(r: CliResult & { dataDir?: string }, command: string, message: RegExp): void {
  expect(r.signal, r.err).toBeNull();
  expect(r.code, r.err).toBe(1);
  expect(r.err).toMatch(new RegExp(`^sluice ${command}: .*${message.source}`, 'm'));
  expect(r.err).not.toMatch(/still open|at .*\.ts:\d+/);
  if (r.dataDir) expect(fs.existsSync(path.join(r.dataDir, '.lock'))).toBe(false);
}

describe('a start that fails exits non-zero with the error', () => {
  it('sluice connect: a Postgres sink on a table without a primary key', () => {
    const r = connect('nopk', ['sinks:', '  - connector: postgres', '    name: pg', '    topics: [t]', `    config: { connectionString: "${db.url}", table: no_pk }`], ['--metrics-port', '0']);
    expectFailedStart(r, 'connect', /"no_pk" has no primary key/);
  });

  it('sluice connect: a CDC source on a table that does not exist, next to a running sink', () => {
    const r = connect('cdc-missing', ['sources:', '  - connector: postgres-cdc', '    name: cdc', `    config: { connectionString: "${cdcUrl}", tables: [public.nosuch] }`, ...fileSink]);
    expectFailedStart(r, 'connect', /public\.nosuch.* does not exist/);
  });

  it('sluice connect: a CDC source whose user lacks REPLICATION', () => {
    const url = new URL(cdcUrl);
    url.username = role;
    const r = connect('cdc-norepl', ['sources:', '  - connector: postgres-cdc', '    name: cdc', `    config: { connectionString: "${url}", tables: [public.orders] }`, ...fileSink]);
    expectFailedStart(r, 'connect', /REPLICATION/);
  });

  it('sluice connect: a source that fails to start while a sink already runs', () => {
    const r = connect('file-missing', ['sources:', '  - connector: file', '    name: in', '    topic: t', '    config: { path: "./no-such-dir/*.jsonl" }', ...fileSink], ['--metrics-port', '0']);
    expectFailedStart(r, 'connect', /no-such-dir.* does not exist/);
  });

  it('sluice connect: a topic that cannot be created', () => {
    const r = connect('bad-topic', ['sources:', '  - connector: file', '    name: in', '    topic: "no spaces allowed"', '    config: { path: "./*.jsonl" }', ...fileSink]);
    expectFailedStart(r, 'connect', /no spaces allowed/);
  });

  it('sluice run: an app whose sink cannot start after its pipeline started', () => {
    const dataDir = path.join(dir, 'run-data');
    const r = sluiceSync(['run', path.join(repoRoot, 'test/fixtures/failing-start-app.ts')], { env: { SLUICE_TEST_DATA_DIR: dataDir }, timeoutMs: 30_000 });
    expectFailedStart({ ...r, dataDir }, 'run', /the target refused the connection/);
  });
});
