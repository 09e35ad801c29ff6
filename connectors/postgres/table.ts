/**
 * The target table: its name, its columns and types from the catalog, and CREATE TABLE from the
 * first rows when autoCreate is on. Names are quoted by identifier.ts.
 */
import type pg from 'pg';
import { PostgresSinkError } from './errors.js';
import { identifierProblem, quoteIdent, quoteQualified } from './identifier.js';

export interface TableName {
  schema: string;
  name: string;
}

export interface TableInfo {
  /** Column name → type as Postgres formats it (format_type), e.g. "bigint", "jsonb", "text[]". */
  columns: Map<string, string>;
  /** Column name → its type without a modifier (format_type(type, NULL)), e.g. "character varying" for "character varying(20)". */
  baseTypes: Map<string, string>;
  primaryKey: string[];
}

export const qualified = (t: TableName) => quoteQualified(t.schema, t.name);

export function parseTableName(text: string): TableName {
  const dot = text.indexOf('.');
  return dot < 0 ? { schema: 'public', name: text } : { schema: text.slice(0, dot), name: text.slice(dot + 1) };
}

/** Columns and primary key of a table, or null when it does not exist. */
export async function describeTable(client: pg.ClientBase, t: TableName): Promise<TableInfo | null> {
  const cols = await client.query<{ attname: string; type: string; base: string }>(
    `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, format_type(a.atttypid, NULL) AS base
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [t.schema, t.name],
  );
  if (cols.rowCount === 0) return null;
  const pk = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary`,
    [t.schema, t.name],
  );
  return { columns: new Map(cols.rows.map((r) => [r.attname, r.type])), baseTypes: new Map(cols.rows.map((r) => [r.attname, r.base])), primaryKey: pk.rows.map((r) => r.attname) };
}

/** A column type for a JSON value (autoCreate): what the first non-null value of a field looks like. */
export function inferType(v: unknown): string {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'bigint' : 'double precision';
  if (typeof v === 'string') return 'text';
  if (v !== null && typeof v === 'object') return 'jsonb';
  return 'text';
}

/**
 * CREATE TABLE IF NOT EXISTS from sample rows. A field that cannot be a column name (NUL, over 63
 * bytes) gets no column, so its records are refused as having an unknown field rather than making
 * the whole statement fail (two long names cut to the same 63 bytes would).
 */
export async function createTable(client: pg.ClientBase, t: TableName, rows: Array<Record<string, unknown>>, primaryKey: string[]): Promise<void> {
  const types = new Map<string, string>();
  for (const k of primaryKey) {
    const problem = identifierProblem(k);
    if (problem) throw new PostgresSinkError(`autoCreate: the key field ${JSON.stringify(k)} cannot be a column of ${qualified(t)}: it ${problem}`);
    types.set(k, 'text');
  }
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      if (identifierProblem(k)) continue;
      if (v !== null && v !== undefined && (!types.has(k) || (primaryKey.includes(k) && types.get(k) === 'text' && typeof v !== 'string'))) types.set(k, inferType(v));
      else if (!types.has(k)) types.set(k, 'text');
    }
  }
  const cols = [...types].map(([k, type]) => `${quoteIdent(k)} ${type}${primaryKey.includes(k) ? ' NOT NULL' : ''}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${qualified(t)} (${cols.join(', ')}, PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')}))`);
}
