/**
 * What the CDC source checks and changes in Postgres before it streams: the prerequisites
 * (wal_level=logical, the REPLICATION right, the tables and their replica identity), the
 * publication, and the state of the replication slot. Each check fails with what to change; the
 * publication change comes with an undo, so that a start failing after it leaves Postgres as it
 * found it.
 */
import type pg from 'pg';
import { quoteIdent, quoteQualified } from '../postgres/identifier.js';
import { PostgresCdcError } from './errors.js';
import { parseLsn } from './lsn.js';

/** A table to capture, as the catalog has it. */
export interface CapturedTable {
  /** As written in the config: schema.table. */
  name: string;
  schema: string;
  table: string;
  /** "schema"."table", for SQL. */
  sql: string;
  /** Primary-key columns in key order (empty when the table has none). */
  primaryKey: string[];
  /** Whether the connecting user may SELECT it (the snapshot needs to). */
  readable: boolean;
}

/** Checks what CDC needs before anything is created; returns the database name and the tables. */
export async function checkPrerequisites(sql: pg.Client, tables: string[]): Promise<{ db: string; user: string; tables: CapturedTable[] }> {
  const env = (
    await sql.query<{ db: string; wal_level: string; replication: boolean; who: string }>(
      `SELECT current_database() AS db, current_setting('wal_level') AS wal_level, r.rolreplication OR r.rolsuper AS replication, current_user AS who
         FROM pg_roles r WHERE r.rolname = current_user`,
    )
  ).rows[0]!;
  if (env.wal_level !== 'logical') {
    throw new PostgresCdcError(
      `connectionString: Postgres runs with wal_level=${env.wal_level}; change data capture needs wal_level=logical. ` +
        `Set wal_level = logical in postgresql.conf (or run ALTER SYSTEM SET wal_level = logical as a superuser), then restart Postgres`,
    );
  }
  if (!env.replication) throw new PostgresCdcError(`connectionString: user "${env.who}" lacks the REPLICATION attribute (a superuser can run ALTER ROLE ${quoteIdent(env.who)} REPLICATION)`);
  const out: CapturedTable[] = [];
  for (const name of tables) {
    const [schema, table] = name.split('.') as [string, string];
    const res = await sql.query<{ relkind: string; relreplident: string; ri_index: boolean; pk: string[]; readable: boolean }>(
      `SELECT c.relkind, c.relreplident,
              EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS ri_index,
              ARRAY(SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                     WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum))::text[] AS pk,
              has_table_privilege(c.oid, 'SELECT') AS readable
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2`,
      [schema, table],
    );
    const t = res.rows[0];
    if (!t) throw new PostgresCdcError(`tables: table "${name}" does not exist in database "${env.db}" (names are exact: case-sensitive)`);
    if (t.relkind !== 'r' && t.relkind !== 'p') throw new PostgresCdcError(`tables: "${name}" is not a table (only tables can be published)`);
    const sqlName = quoteQualified(schema, table);
    // Without a replica identity, Postgres refuses the application's own UPDATE and DELETE on a
    // published table ("cannot update table … because it does not have a replica identity").
    const identity = t.relreplident === 'f' || (t.relreplident === 'd' && t.pk.length > 0) || (t.relreplident === 'i' && t.ri_index);
    if (!identity) {
      throw new PostgresCdcError(
        `tables: table "${name}" has no primary key and no replica identity: once it is in a publication, Postgres refuses every UPDATE and DELETE on it. ` +
          `Give it a primary key, or run ALTER TABLE ${sqlName} REPLICA IDENTITY FULL (the whole old row identifies it; or REPLICA IDENTITY USING INDEX <a unique index>)`,
      );
    }
    out.push({ name, schema, table, sql: sqlName, primaryKey: t.pk, readable: t.readable });
  }
  return { db: env.db, user: env.who, tables: out };
}

/** How to take back a change made to the catalog, on another connection. */
export type Undo = (sql: pg.Client) => Promise<unknown>;

/**
 * Creates the publication FOR TABLE the tables (when `exists` is false), or adds the missing ones
 * to it. Returns how to undo what it did, or null when it did nothing.
 */
export async function ensurePublication(sql: pg.Client, publication: string, tables: CapturedTable[], exists: boolean): Promise<Undo | null> {
  const run = async (ddl: string) => {
    await sql.query(ddl).catch((err: Error) => {
      throw new PostgresCdcError(`publication: cannot run "${ddl}": ${err.message} (it needs CREATE on the database and ownership of the tables; or have an administrator run it)`, { cause: err });
    });
  };
  const pub = quoteIdent(publication);
  if (!exists) {
    await run(`CREATE PUBLICATION ${pub} FOR TABLE ${tables.map((t) => t.sql).join(', ')}`);
    return (s) => s.query(`DROP PUBLICATION IF EXISTS ${pub}`);
  }
  const have = await sql.query<{ schemaname: string; tablename: string }>('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1', [publication]);
  const published = new Set(have.rows.map((r) => `${r.schemaname}\0${r.tablename}`));
  const missing = tables.filter((t) => !published.has(`${t.schema}\0${t.table}`));
  if (missing.length === 0) return null;
  const list = missing.map((t) => t.sql).join(', ');
  await run(`ALTER PUBLICATION ${pub} ADD TABLE ${list}`);
  return (s) => s.query(`ALTER PUBLICATION ${pub} DROP TABLE ${list}`);
}

/** A replication slot as pg_replication_slots shows it. */
export interface SlotState {
  plugin: string | null;
  database: string | null;
  /** Where the server resumes: the last position confirmed to it. */
  confirmedFlush: bigint | null;
  /** reserved, extended, unreserved or lost (its WAL is gone: it cannot stream again). */
  walStatus: string | null;
  activePid: number | null;
  /**
   * Bytes of WAL the server wrote after confirmedFlush: how big a backlog the slot has (0 when it
   * has no confirmed position, or on a standby, where pg_current_wal_lsn() fails). Read with the
   * slot at start, before the publication and topics are set up: it only chooses between reading
   * the backlog through SQL and streaming it, so a few bytes more by the time of the choice do
   * not matter. On a standby the start therefore streams (a separate query failed there before).
   */
  walBehind: bigint;
}

export async function slotState(sql: pg.Client, slot: string): Promise<SlotState | null> {
  const res = await sql.query<{ plugin: string | null; database: string | null; confirmed: string | null; wal_status: string | null; active_pid: number | null; behind: string | null }>(
    `SELECT plugin, database, confirmed_flush_lsn::text AS confirmed, wal_status, active_pid,
            CASE WHEN pg_is_in_recovery() THEN NULL ELSE (pg_current_wal_lsn() - confirmed_flush_lsn)::text END AS behind
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const r = res.rows[0];
  if (!r) return null;
  return {
    plugin: r.plugin,
    database: r.database,
    confirmedFlush: r.confirmed ? parseLsn(r.confirmed) : null,
    walStatus: r.wal_status,
    activePid: r.active_pid,
    // pg_lsn - pg_lsn is a numeric: its integer part.
    walBehind: r.behind ? BigInt(r.behind.split('.')[0]!) : 0n,
  };
}

/** Whether a publication exists. */
export async function publicationExists(sql: pg.Client, publication: string): Promise<boolean> {
  return (await sql.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication])).rowCount! > 0;
}
