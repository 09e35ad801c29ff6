/**
 * A fresh database on the machine's Postgres (127.0.0.1:5432, user postgres, trust), dropped when
 * the test file ends (see cleanup.ts). Tests that need logical replication use pg-cluster.ts instead.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { onCleanup } from './cleanup.js';

export const PG_ADMIN_URL = process.env.SLUICE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function testDatabase(): Promise<{ url: string; name: string }> {
  const name = `sluice_test_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  onCleanup(async () => {
    const a = new pg.Client({ connectionString: PG_ADMIN_URL });
    await a.connect();
    await a.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    await a.query(`DROP DATABASE IF EXISTS ${name}`);
    await a.end();
  });
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}
