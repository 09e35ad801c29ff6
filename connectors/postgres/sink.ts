/**
 * Postgres sink: keeps a table equal to a topic read as a table (latest value per key). Each batch
 * is one transaction: deletes (tombstones, Debezium op "d"), then
 * `INSERT … SELECT * FROM unnest($1::type[], …) ON CONFLICT (pk) DO UPDATE` (or `DO NOTHING` in
 * insert mode; multi-row VALUES when a column is an array), only the last change per key.
 * Replaying a batch after a crash writes the same rows again, so the sink is idempotent under the
 * worker's at-least-once delivery. write() resolves after COMMIT: the rows are durable in
 * Postgres before the worker commits the batch's offsets.
 *
 * A record that cannot become a row (not JSON, no key, a field with no column) goes to the
 * dead-letter topic alone; an error from Postgres fails the batch, which the worker retries.
 */
import pg from 'pg';
import type { ConnectorContext, Sink, SinkRecord } from '../../core/worker/contracts.js';
import { collapse, toChange, type Change } from './changes.js';
import type { PostgresSinkConfig } from './config.js';
import { PostgresRecordError, PostgresSinkError } from './errors.js';
import { createTable, describeTable, parseTableName, qualified, quote, type TableInfo, type TableName } from './table.js';

/** Postgres allows 65 535 bind parameters per statement. */
const MAX_PARAMS = 65_535;
/** Rows per unnest INSERT at least (its parameter count does not grow with rows). */
const UNNEST_ROWS = 5_000;

function startError(err: unknown): PostgresSinkError {
  const e = err as { code?: string; message?: string };
  const why = e.code === '28P01' ? 'password authentication failed' : e.code === '3D000' ? 'the database does not exist' : e.code === 'ECONNREFUSED' ? 'nothing listens there (ECONNREFUSED)' : e.message;
  return new PostgresSinkError(`connectionString: cannot connect to Postgres: ${why}`, { cause: err });
}

export class PostgresSink implements Sink {
  private ctx!: ConnectorContext;
  private client: pg.Client | null = null;
  private readonly tables = new Map<string, TableInfo>();

  constructor(private readonly cfg: PostgresSinkConfig) {}

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.cfg.connectionString, connectionTimeoutMillis: 10_000 });
    client.on('error', (err) => {
      this.ctx?.logger.warn('postgres sink connection lost', { connector: this.ctx.name, error: err.message });
      if (this.client === client) this.client = null;
    });
    try {
      await client.connect();
    } catch (err) {
      throw startError(err);
    }
    this.client = client;
    return client;
  }

  async start(ctx: ConnectorContext): Promise<void> {
    this.ctx = ctx;
    const client = await this.connection();
    if (!this.cfg.table.includes('{topic}')) {
      const t = parseTableName(this.cfg.table);
      const info = await describeTable(client, t);
      if (!info && !this.cfg.autoCreate) throw new PostgresSinkError(`table: ${qualified(t)} does not exist (create it, or set autoCreate: true)`);
      if (info) this.remember(t, info);
    }
  }

  private remember(t: TableName, info: TableInfo): void {
    if (info.primaryKey.length === 0 && !this.cfg.primaryKey) throw new PostgresSinkError(`table: ${qualified(t)} has no primary key; add one or set primaryKey`);
    this.tables.set(qualified(t), info);
  }

  private tableFor(topic: string): TableName {
    return parseTableName(this.cfg.table.replace('{topic}', topic.split('.').at(-1)!));
  }

  async write(records: SinkRecord[]): Promise<void> {
    // Group by target table (a template may send topics to different tables), keeping order.
    const byTable = new Map<string, { table: TableName; changes: Change[]; records: SinkRecord[] }>();
    for (const r of records) {
      const table = this.tableFor(r.topic);
      let change: Change;
      try {
        change = toChange(r, this.cfg.unwrap, this.cfg.primaryKey);
      } catch (err) {
        if (err instanceof PostgresRecordError) {
          await this.ctx.deadLetter(r, err, 1);
          continue;
        }
        throw err;
      }
      const k = qualified(table);
      let entry = byTable.get(k);
      if (!entry) byTable.set(k, (entry = { table, changes: [], records: [] }));
      entry.changes.push(change);
      entry.records.push(r);
    }
    if (byTable.size === 0) return;
    const client = await this.connection();
    await client.query('BEGIN');
    try {
      for (const { table, changes, records: recs } of byTable.values()) await this.apply(client, table, changes, recs);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  private async info(client: pg.Client, table: TableName, sample: Array<Record<string, unknown>>, keyCols: string[]): Promise<TableInfo> {
    const k = qualified(table);
    let info = this.tables.get(k) ?? (await describeTable(client, table));
    if (!info) {
      if (!this.cfg.autoCreate) throw new PostgresSinkError(`table: ${k} does not exist (create it, or set autoCreate: true)`);
      await createTable(client, table, sample, keyCols);
      info = (await describeTable(client, table))!;
    }
    this.remember(table, info);
    return info;
  }

  private async apply(client: pg.Client, table: TableName, changes: Change[], records: SinkRecord[]): Promise<void> {
    const { truncate, last } = collapse(changes);
    const firstKey = last.find((c) => c.kind !== 'truncate') as Exclude<Change, { kind: 'truncate' }> | undefined;
    const keyCols = this.cfg.primaryKey ?? (firstKey ? Object.keys(firstKey.key) : []);
    const upserts = last.filter((c): c is Extract<Change, { kind: 'upsert' }> => c.kind === 'upsert');
    const info = await this.info(client, table, upserts.map((u) => ({ ...u.key, ...u.row })), keyCols);
    const pk = this.cfg.primaryKey ?? info.primaryKey;
    if (truncate) await client.query(`TRUNCATE ${qualified(table)}`);

    const deletes = last.filter((c): c is Extract<Change, { kind: 'delete' }> => c.kind === 'delete');
    for (let i = 0; i < deletes.length; i += Math.floor(MAX_PARAMS / pk.length)) {
      const chunk = deletes.slice(i, i + Math.floor(MAX_PARAMS / pk.length));
      const params: unknown[] = [];
      const tuples = chunk.map((d) => `(${pk.map((col) => this.param(params, d.key[col], info.columns.get(col)!)).join(', ')})`);
      await client.query(`DELETE FROM ${qualified(table)} WHERE (${pk.map(quote).join(', ')}) IN (${tuples.join(', ')})`, params);
    }

    // Rows: the key columns plus the value's fields; a field with no column is dead-lettered or dropped.
    const rows: Array<Record<string, unknown>> = [];
    const colSet = new Set<string>();
    for (const u of upserts) {
      // The value's fields, then the key's (the key wins); a field with no column is collected.
      const row: Record<string, unknown> = {};
      let unknown: string[] | null = null;
      for (const part of [u.row, u.key]) {
        for (const c in part) {
          if (info.columns.has(c)) {
            row[c] = part[c];
          } else if (!unknown?.includes(c)) (unknown ??= []).push(c);
        }
      }
      if (unknown && this.cfg.unknownFields === 'error') {
        const rec = records[changes.indexOf(u)]!; // changes and records are parallel
        await this.ctx.deadLetter(rec, new PostgresRecordError(`${qualified(table)} has no column ${unknown.map((c) => `"${c}"`).join(', ')}`), 1);
        continue;
      }
      for (const c in row) colSet.add(c);
      rows.push(row);
    }
    if (rows.length === 0) return;
    const cols = [...colSet];
    const perStatement = Math.max(1, Math.min(this.cfg.maxRowsPerStatement, Math.floor(MAX_PARAMS / cols.length)));
    const nonKey = cols.filter((c) => !pk.includes(c));
    const onConflict =
      this.cfg.mode === 'insert' || nonKey.length === 0
        ? `ON CONFLICT (${pk.map(quote).join(', ')}) DO NOTHING`
        : `ON CONFLICT (${pk.map(quote).join(', ')}) DO UPDATE SET ${nonKey.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}`;
    const target = `${qualified(table)} (${cols.map(quote).join(', ')})`;
    const types = cols.map((c) => info.columns.get(c)!);
    if (types.some((t) => t.endsWith('[]'))) {
      // Array columns cannot go through unnest (it would flatten them): one bind parameter per value.
      for (let i = 0; i < rows.length; i += perStatement) {
        const params: unknown[] = [];
        const tuples = rows.slice(i, i + perStatement).map((r) => `(${cols.map((c, j) => this.param(params, r[c], types[j]!)).join(', ')})`);
        await client.query(`INSERT INTO ${target} VALUES ${tuples.join(', ')} ${onConflict}`, params);
      }
      return;
    }
    // One array parameter per column, unnested into rows: a statement of thousands of rows has a
    // handful of parameters, so Postgres parses and plans it once instead of per bound value.
    const unnest = `SELECT * FROM unnest(${types.map((t, j) => `$${j + 1}::${t}[]`).join(', ')})`;
    const perUnnest = Math.max(this.cfg.maxRowsPerStatement, UNNEST_ROWS);
    for (let i = 0; i < rows.length; i += perUnnest) {
      const chunk = rows.slice(i, i + perUnnest);
      const columns = cols.map((c, j) => chunk.map((r) => this.value(r[c], types[j]!)));
      await client.query(`INSERT INTO ${target} ${unnest} ${onConflict}`, columns);
    }
  }

  /** A value as the driver should send it for a column of `type`: JSON text for JSON columns and other objects. */
  private value(v: unknown, type: string): unknown {
    if (v === undefined || v === null) return null;
    if (type === 'json' || type === 'jsonb') return JSON.stringify(v);
    if (typeof v === 'object' && !(Array.isArray(v) && type.endsWith('[]'))) return JSON.stringify(v);
    return v;
  }

  /** Adds a bind parameter cast to the column's type; JSON columns get JSON text, other objects too. */
  private param(params: unknown[], v: unknown, type: string): string {
    params.push(this.value(v, type));
    return `$${params.length}::${type}`;
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
