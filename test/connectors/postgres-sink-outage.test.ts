/**
 * The postgres sink while Postgres is down (it restarts): a batch whose write fails because the
 * connection does is written once Postgres is back, however many attempts that takes, and never
 * dead-lettered. Dead-lettering it dropped its rows from the target: the sync proof
 * (postgres-sync.test.ts) ended with deletes and updates missing whenever a batch was in flight
 * during its Postgres restart, its error policy's 4 attempts (~0.5 s) being shorter than a restart.
 * An app stopped while Postgres is down leaves the batch uncommitted (not dead-lettered): the
 * next start writes it.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresSink, postgresSinkConfig } from '../../connectors/postgres/index.js';
import type { SinkRecord } from '../../core/worker/contracts.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { pgCluster } from '../support/pg-cluster.js';
import { until } from '../support/wait.js';
import { readTopic, testLog } from '../support/log.js';
import { tempDir } from '../support/tmp.js';

/** The sink as configured, its write() calls counted (the tests wait for attempts, not time). */
function countedSink(url: string): { sink: PostgresSink; writes: () => number } {
  const sink = new PostgresSink(postgresSinkConfig.parse({ connectionString: url, table: 'outage' }));
  let writes = 0;
  const write = sink.write.bind(sink);
  sink.write = (records: SinkRecord[]) => {
    writes++;
    return write(records);
  };
  return { sink, writes: () => writes };
}

async function rows(url: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SELECT id, v FROM outage ORDER BY id')).rows;
  } finally {
    await c.end();
  }
}

describe('postgres sink: Postgres restarting', () => {
  it('writes a batch whose attempts failed while Postgres was down once it is back, and dead-letters nothing', async () => {
    const cluster = await pgCluster();
    const url = cluster.connectionString();
    const sql = new pg.Client({ connectionString: url });
    sql.on('error', () => {});
    await sql.connect();
    await sql.query('CREATE TABLE outage (id int PRIMARY KEY, v text)');
    await sql.query("INSERT INTO outage VALUES (1, 'old'), (2, 'kept')");
    await sql.end();

    const log = await testLog();
    await log.client.admin().createTopic('changes', { partitions: 1 });
    const { sink, writes } = countedSink(url);
    const a = app({ id: 'outage', log: log.client, logger: silentLogger, errors: { retries: 1, backoffMs: 10, maxBackoffMs: 20 } });
    a.addSink('out', sink, { topics: ['changes'] });
    await a.start();
    const dlq = async () => (await readTopic(log.engine, 'outage.dlq')).length;
    try {
      await cluster.restart(async () => {
        await log.client.producer().send('changes', [
          { key: JSON.stringify({ id: 1 }), value: null },
          { key: JSON.stringify({ id: 3 }), value: JSON.stringify({ id: 3, v: 'new' }) },
        ]);
        // Down for more attempts than the policy's retries (or until the batch is dead-lettered).
        await until(async () => writes() >= 4 || (await dlq()) > 0, 60_000, 'the sink to fail 4 writes');
      });
      const check = new pg.Client({ connectionString: url });
      await check.connect();
      try {
        await until(async () => (await check.query('SELECT 1 FROM outage WHERE id = 3')).rowCount === 1 || (await dlq()) > 0, 60_000, 'the batch to be written or dead-lettered');
        expect(await dlq()).toBe(0);
        expect((await check.query('SELECT id, v FROM outage ORDER BY id')).rows).toEqual([
          { id: 2, v: 'kept' },
          { id: 3, v: 'new' },
        ]);
      } finally {
        await check.end();
      }
    } finally {
      await a.stop();
    }
  }, 120_000);

  it('an app stopped while Postgres is down dead-letters nothing and leaves the batch to the next start', async () => {
    const cluster = await pgCluster();
    const url = cluster.connectionString();
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    await sql.query('DROP TABLE IF EXISTS outage; CREATE TABLE outage (id int PRIMARY KEY, v text)');
    await sql.end();
    const log = await testLog({ dataDir: tempDir('sink-outage') });
    await log.client.admin().createTopic('changes', { partitions: 1 });
    const opts = { id: 'outage-stop', logger: silentLogger, errors: { retries: 1, backoffMs: 10, maxBackoffMs: 20 } };
    const first = countedSink(url);
    const a = app({ ...opts, log: log.connect() });
    a.addSink('out', first.sink, { topics: ['changes'] });
    await a.start();
    const dlq = async () => (await readTopic(log.engine, 'outage-stop.dlq')).length;
    await cluster.restart(async () => {
      await log.client.producer().send('changes', [{ key: JSON.stringify({ id: 7 }), value: JSON.stringify({ id: 7, v: 'seven' }) }]);
      await until(async () => first.writes() >= 4 || (await dlq()) > 0, 60_000, 'the sink to fail 4 writes');
      await a.stop();
    });
    expect(await dlq()).toBe(0);
    const b = app({ ...opts, log: log.connect() });
    b.addSink('out', countedSink(url).sink, { topics: ['changes'] });
    await b.start();
    try {
      await until(async () => (await rows(url)).length > 0, 60_000, 'the batch to be written');
      expect(await rows(url)).toEqual([{ id: 7, v: 'seven' }]);
      expect(await dlq()).toBe(0);
    } finally {
      await b.stop();
    }
  }, 120_000);
});
