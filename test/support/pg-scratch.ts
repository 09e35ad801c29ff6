/**
 * A database of one's own in the test file's private cluster (pg-cluster.ts), with roles of its
 * own, removed when the test file ends even when the test failed (see cleanup.ts): first the
 * replication slots of the database (their walsenders terminated) and the database, then the
 * roles (created before the database, so nothing of theirs is left when they are dropped).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { onCleanup } from './cleanup.js';
import type { PgCluster } from './pg-cluster.js';

export interface ScratchDatabase {
  name: string;
  /** As postgres (trusted), or as one of the roles created with it (trusted too). */
  url(role?: string): string;
  /** A connection as postgres, closed at cleanup. */
  sql: pg.Client;
}

async function asAdmin(cluster: PgCluster, body: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const c = new pg.Client({ connectionString: cluster.connectionString() });
  c.on('error', () => {});
  await c.connect();
  try {
    await body(c);
  } finally {
    await c.end().catch(() => {});
  }
}

/** `roles`: name → CREATE ROLE options, e.g. { cdc_user: 'LOGIN REPLICATION' }. */
export async function scratchDatabase(cluster: PgCluster, roles: Record<string, string> = {}): Promise<ScratchDatabase> {
  for (const [role, options] of Object.entries(roles)) {
    await asAdmin(cluster, (c) => c.query(`CREATE ROLE ${role} ${options}`));
    onCleanup(() => asAdmin(cluster, (c) => c.query(`DROP ROLE IF EXISTS ${role}`)));
  }
  const name = `scratch_${randomBytes(4).toString('hex')}`;
  await asAdmin(cluster, (c) => c.query(`CREATE DATABASE ${name}`));
  onCleanup(() =>
    asAdmin(cluster, async (c) => {
      for (let i = 0; i < 50; i++) {
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        try {
          await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1', [name]);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100)); // a terminated walsender still holds its slot for a moment
        }
      }
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }),
  );
  const url = (role = 'postgres') => cluster.connectionString(name).replace('postgres@', `${role}@`);
  const sql = new pg.Client({ connectionString: url() });
  sql.on('error', () => {});
  await sql.connect();
  onCleanup(() => sql.end().catch(() => {}));
  return { name, url, sql };
}
