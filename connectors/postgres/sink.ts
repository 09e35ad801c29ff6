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
 * dead-letter topic alone. When Postgres refuses the batch because of a row's values (a NUL in
 * text, a value of the wrong type, a constraint), the batch is written again row by row, each in a
 * savepoint of one transaction, and only the refused rows are dead-lettered. Any other error from
 * Postgres fails the batch, which the worker retries. Dead letters are sent after the COMMIT, so a
 * batch that is retried never dead-letters a record twice.
 *
 * autoCreate runs CREATE TABLE on its own, before the batch's transaction: a batch that then fails
 * does not take the table with it (a table remembered but rolled back made every later batch fail
 * with "relation does not exist").
 */
import pg from 'pg';
import type { ConnectorContext, Sink, SinkRecord } from '../../core/worker/contracts.js';
import { collapse, toChange, type Change } from './changes.js';
import type { PostgresSinkConfig } from './config.js';
import { connectionProblem, isRowError, isStaleTableError, PostgresRecordError, PostgresSinkError, rowRefused } from './errors.js';
import { identifierProblem, PostgresIdentifierError, quoteIdent, getField, setField } from './identifier.js';
import { createTable, describeTable, parseTableName, qualified, type TableInfo, type TableName } from './table.js';

/** Postgres allows 65 535 bind parameters per statement. */
const MAX_PARAMS = 65_535;
/** Rows per unnest INSERT at least (its parameter count does not grow with rows). */
const UNNEST_ROWS = 5_000;

/** The changes of a batch for one table, with the records they came from (parallel arrays). */
interface TableBatch {
  table: TableName;
  changes: Change[];
  records: SinkRecord[];
}

/** A record that is not written, and why: dead-lettered once the batch's transaction committed. */
type Rejected = { record: SinkRecord; error: unknown };

function startError(err: unknown): PostgresSinkError {
  return new PostgresSinkError(`connectionString: cannot connect to Postgres: ${connectionProblem(err)}`, { cause: err });
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
    try {
      if (!this.cfg.table.includes('{topic}')) {
        const t = parseTableName(this.cfg.table);
        const info = await describeTable(client, t);
        if (!info && !this.cfg.autoCreate) throw new PostgresSinkError(`table: ${qualified(t)} does not exist (create it, or set autoCreate: true)`);
        if (info) this.remember(t, info);
      }
    } catch (err) {
      // A start that fails leaves no connection behind (an open socket keeps the process alive).
      await this.stop();
      throw err;
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
    const batches = new Map<string, TableBatch>();
    const rejected: Rejected[] = [];
    for (const r of records) {
      let table: TableName;
      let change: Change;
      let k: string;
      try {
        table = this.tableFor(r.topic);
        k = qualified(table);
        change = toChange(r, this.cfg.unwrap, this.cfg.primaryKey);
      } catch (err) {
        if (err instanceof PostgresRecordError || err instanceof PostgresIdentifierError) {
          rejected.push({ record: r, error: err });
          continue;
        }
        throw err;
      }
      let entry = batches.get(k);
      if (!entry) batches.set(k, (entry = { table, changes: [], records: [] }));
      entry.changes.push(change);
      entry.records.push(r);
    }
    if (batches.size > 0) {
      const client = await this.connection();
      const infos = new Map<TableBatch, TableInfo>();
      for (const b of batches.values()) infos.set(b, await this.info(client, b));
      const written: Rejected[] = [];
      try {
        await this.inTransaction(client, async () => {
          for (const b of batches.values()) await this.apply(client, b, infos.get(b)!, written);
        });
      } catch (err) {
        // A table changed behind our back is described again on the worker's retry.
        if (isStaleTableError(err)) for (const b of batches.values()) this.tables.delete(qualified(b.table));
        if (!isRowError(err)) throw err;
        written.length = 0;
        await this.rowByRow(client, [...batches.values()], infos, written);
      }
      rejected.push(...written);
    }
    for (const { record, error } of rejected) await this.ctx.deadLetter(record, error, 1);
  }

  private async inTransaction(client: pg.Client, body: () => Promise<void>): Promise<void> {
    await client.query('BEGIN');
    try {
      await body();
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /**
   * The batch again, one change at a time, each in a savepoint of one transaction: a row Postgres
   * refuses for its values is rolled back to its savepoint and rejected; the others are written.
   */
  private async rowByRow(client: pg.Client, batches: TableBatch[], infos: Map<TableBatch, TableInfo>, rejected: Rejected[]): Promise<void> {
    await this.inTransaction(client, async () => {
      for (const b of batches) {
        for (let i = 0; i < b.changes.length; i++) {
          const one: TableBatch = { table: b.table, changes: [b.changes[i]!], records: [b.records[i]!] };
          await client.query('SAVEPOINT sluice_row');
          try {
            await this.apply(client, one, infos.get(b)!, rejected);
            await client.query('RELEASE SAVEPOINT sluice_row');
          } catch (err) {
            if (!isRowError(err)) throw err;
            await client.query('ROLLBACK TO SAVEPOINT sluice_row');
            rejected.push({ record: b.records[i]!, error: rowRefused(err) });
          }
        }
      }
    });
  }

  /**
   * The table's columns and key, from the cache or the catalog; with autoCreate a missing table is
   * created first, outside any batch transaction, and remembered only once it exists.
   */
  private async info(client: pg.Client, b: TableBatch): Promise<TableInfo> {
    const k = qualified(b.table);
    const cached = this.tables.get(k);
    if (cached) return cached;
    let info = await describeTable(client, b.table);
    if (!info) {
      if (!this.cfg.autoCreate) throw new PostgresSinkError(`table: ${k} does not exist (create it, or set autoCreate: true)`);
      const { last } = collapse(b.changes);
      const upserts = last.filter((c): c is Extract<Change, { kind: 'upsert' }> => c.kind === 'upsert');
      const firstKey = last.find((c) => c.kind !== 'truncate') as Exclude<Change, { kind: 'truncate' }> | undefined;
      const keyCols = this.cfg.primaryKey ?? (firstKey ? Object.keys(firstKey.key) : []);
      if (keyCols.length === 0) throw new PostgresSinkError(`table: ${k} does not exist and autoCreate has no key columns to create it with (set primaryKey)`);
      await createTable(client, b.table, upserts.map((u) => ({ ...u.key, ...u.row })), keyCols);
      info = (await describeTable(client, b.table))!;
    }
    this.remember(b.table, info);
    return info;
  }

  private async apply(client: pg.Client, b: TableBatch, info: TableInfo, rejected: Rejected[]): Promise<void> {
    const { table, changes, records } = b;
    const { truncate, last } = collapse(changes);
    const pk = this.cfg.primaryKey ?? info.primaryKey;
    const upserts = last.filter((c): c is Extract<Change, { kind: 'upsert' }> => c.kind === 'upsert');
    if (truncate) await client.query(`TRUNCATE ${qualified(table)}`);

    const deletes = last.filter((c): c is Extract<Change, { kind: 'delete' }> => c.kind === 'delete');
    for (let i = 0; i < deletes.length; i += Math.floor(MAX_PARAMS / pk.length)) {
      const chunk = deletes.slice(i, i + Math.floor(MAX_PARAMS / pk.length));
      const params: unknown[] = [];
      const tuples = chunk.map((d) => `(${pk.map((col) => this.param(params, d.key[col], info.columns.get(col)!)).join(', ')})`);
      await client.query(`DELETE FROM ${qualified(table)} WHERE (${pk.map(quoteIdent).join(', ')}) IN (${tuples.join(', ')})`, params);
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
          if (!Object.hasOwn(part, c)) continue;
          if (info.columns.has(c)) setField(row, c, part[c]);
          else if (!unknown?.includes(c)) (unknown ??= []).push(c);
        }
      }
      if (unknown && this.cfg.unknownFields === 'error') {
        const rec = records[changes.indexOf(u)]!; // changes and records are parallel
        const why = unknown.map((c) => {
          const problem = identifierProblem(c);
          return problem ? `field ${JSON.stringify(c.length > 80 ? `${c.slice(0, 80)}…` : c)} cannot be a column: it ${problem}` : `${qualified(table)} has no column ${JSON.stringify(c)}`;
        });
        rejected.push({ record: rec, error: new PostgresRecordError(why.join('; ')) });
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
        ? `ON CONFLICT (${pk.map(quoteIdent).join(', ')}) DO NOTHING`
        : `ON CONFLICT (${pk.map(quoteIdent).join(', ')}) DO UPDATE SET ${nonKey.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}`;
    const target = `${qualified(table)} (${cols.map(quoteIdent).join(', ')})`;
    const types = cols.map((c) => info.columns.get(c)!);
    if (types.some((t) => t.endsWith('[]'))) {
      // Array columns cannot go through unnest (it would flatten them): one bind parameter per value.
      for (let i = 0; i < rows.length; i += perStatement) {
        const params: unknown[] = [];
        const tuples = rows.slice(i, i + perStatement).map((r) => `(${cols.map((c, j) => this.param(params, getField(r, c), types[j]!)).join(', ')})`);
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
      const columns = cols.map((c, j) => chunk.map((r) => this.value(getField(r, c), types[j]!)));
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
