/**
 * A connector whose task fails, as Kafka Connect shows it: a Postgres sink (the machine's
 * Postgres, a database of its own) whose table is dropped while it runs fails its write under
 * onFailure 'fail'; with connectorFailure 'connector' the sink alone is FAILED, its status carries
 * the error's trace, another connector and the app run on, and a restart (the table back) brings
 * it to RUNNING and writes the batch that failed (it was never committed).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startManagementServer } from '../../api/server.js';
import { PostgresSink, postgresSinkConfig } from '../../connectors/postgres/index.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { onCleanup } from '../support/cleanup.js';
import { AUTH, CollectingSink, until } from '../support/console-app.js';
import { testLog } from '../support/log.js';
import { testDatabase } from '../support/pg-database.js';

describe('a failed connector', () => {
  it('is FAILED with its trace while the rest runs on, and a restart brings it back to RUNNING', async () => {
    const db = await testDatabase();
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    onCleanup(() => sql.end());
    const createTable = () => sql.query('CREATE TABLE items (id bigint PRIMARY KEY, name text)');
    await createTable();
    const log = await testLog();
    await log.client.admin().createTopic('items', { partitions: 1 });
    const send = (ids: number[]) => log.client.producer().send('items', ids.map((id) => ({ key: JSON.stringify({ id }), value: JSON.stringify({ id, name: `n${id}` }) })));
    const a = app({ id: 'cf', log: log.client, logger: silentLogger, errors: { retries: 0, onFailure: 'fail' }, batch: { maxWaitMs: 20 }, connectorFailure: 'connector' });
    a.addSink('db', new PostgresSink(postgresSinkConfig.parse({ connectionString: db.url, table: 'items' })), { topics: ['items'], plugin: 'postgres-sink' });
    const copy = new CollectingSink();
    a.addSink('copy', copy, { topics: ['items'] });
    await a.start();
    onCleanup(() => a.stop());
    const server = await startManagementServer({ client: log.client, app: a, port: 0, token: 'test-token-0123456789' });
    onCleanup(() => server.close());
    const call = async (method: string, path: string) => {
      const res = await fetch(`${server.url}${path.slice(1)}`, { method, headers: method === 'GET' ? {} : AUTH });
      return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) };
    };
    const rows = async () => (await sql.query('SELECT id FROM items ORDER BY id')).rows.map((r) => Number(r.id));

    await send([1, 2]);
    await until(async () => ((await rows()).length === 2 ? true : undefined), 'the first rows');
    expect((await call('GET', '/connectors/db/status')).body).toMatchObject({ connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'RUNNING' }] });

    await sql.query('DROP TABLE items');
    await send([3]);
    const failed = await until(async () => {
      const s = (await call('GET', '/connectors/db/status')).body;
      return s.connector.state === 'FAILED' ? s : undefined;
    }, 'the sink to fail');
    expect(failed.tasks[0].state).toBe('FAILED');
    expect(failed.connector.trace).toMatch(/^PipelineFailedError: pipeline "sink-db" failed on a batch of 1 records: relation "public.items" does not exist\n    at /);
    expect(failed.connector.trace).toContain('\nCaused by: ');
    expect(failed.tasks[0].trace).toBe(failed.connector.trace);
    // The other connector and the app run on.
    await until(() => (copy.written.length === 3 ? true : undefined), 'the other sink to get record 3');
    expect((await call('GET', '/connectors/copy/status')).body.connector).toEqual({ state: 'RUNNING', worker_id: expect.any(String) });
    expect((await call('GET', '/connectors?expand=status')).body.db.status.connector.state).toBe('FAILED');

    await createTable();
    expect((await call('POST', '/connectors/db/restart')).status).toBe(204);
    expect((await call('GET', '/connectors/db/status')).body).toMatchObject({ connector: { state: 'RUNNING' }, tasks: [{ state: 'RUNNING' }] });
    expect((await call('GET', '/connectors/db/status')).body.connector.trace).toBeUndefined();
    // The failed batch was not committed: the restarted sink writes it (rows 1 and 2 went with the table).
    await until(async () => ((await rows()).includes(3) ? true : undefined), 'the failed record to be written after the restart');
    expect(await rows()).toEqual([3]);
  });
});
