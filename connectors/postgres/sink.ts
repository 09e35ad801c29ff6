/**
 * Postgres sink: keeps a table equal to a topic read as a table (latest value per key). Each batch
 * is one transaction, writing only the last change per key: TRUNCATE when the batch has one, then
 * (copy: true, the default) the changes go into a temporary stage table with one COPY and are
 * merged with `DELETE … USING` (tombstones, Debezium op "d") and `INSERT … SELECT … ON CONFLICT
 * (pk) DO UPDATE` (`DO NOTHING` in insert mode), see copy-stage.ts — a large batch in parts, Node
 * preparing one while Postgres merges the one before (writePipelined); with copy: false, deletes then
 * `INSERT … SELECT * FROM unnest($1::type[], …) ON CONFLICT …` (multi-row VALUES when a column is
 * an array). Replaying a batch after a crash writes the same rows again, so the sink is idempotent
 * under the worker's at-least-once delivery. write() resolves after COMMIT: the rows are durable
 * in Postgres before the worker commits the batch's offsets.
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
import { SinkTargetUnavailableError } from '../../core/worker/errors.js';
import { collapse, fieldOf, flatOf, toChange, type Change } from './changes.js';
import { copyAndMerge, prepareCopy, sendCopy, stageDefinition, type PreparedCopy, type Stage, type StagedChanges } from './copy-stage.js';
import type { PostgresSinkConfig } from './config.js';
import { connectionProblem, isConnectionError, isRowError, isStaleTableError, PostgresRecordError, PostgresSinkError, rowRefused } from './errors.js';
import { identifierProblem, PostgresIdentifierError, quoteIdent } from './identifier.js';
import { createTable, describeTable, parseTableName, qualified, type TableInfo, type TableName } from './table.js';

/** Postgres allows 65 535 bind parameters per statement. */
const MAX_PARAMS = 65_535;
/** Rows per unnest INSERT at least (its parameter count does not grow with rows). */
const UNNEST_ROWS = 5_000;
/**
 * Records per part of a pipelined batch (see writePipelined): small enough that Node prepares
 * most of a batch while Postgres merges the part before, large enough that a part's round trips
 * (COPY, merge) cost little against its rows.
 */
const PART_RECORDS = 2_500;

type Upsert = Extract<Change, { kind: 'upsert' }>;

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
  private readonly targets = new Map<string, { table: TableName; k: string } | PostgresIdentifierError>();
  /** Stage tables of the current connection, by the table shape they were made for (copy: true). */
  private stages = new Map<TableInfo, Stage>();
  /** Stages created in the batch's transaction: known only once it commits (a rollback takes them back). */
  private pendingStages = new Map<TableInfo, Stage>();

  /**
   * The batches of the sink's tasks, one after another: the worker writes each task's batch as it
   * is ready, but they share one connection, and two transactions interleaved on it are one
   * transaction (one task's ROLLBACK takes back another's rows, one task's COMMIT empties the
   * other's ON COMMIT DELETE ROWS stage before its merge, and the offsets of both are committed).
   */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly cfg: PostgresSinkConfig) {}

  private inTurn<T>(body: () => Promise<T>): Promise<T> {
    const run = this.turn.then(body).catch((err: unknown) => {
      throw this.unreachable(err) ?? err;
    });
    this.turn = run.catch(() => {});
    return run;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.cfg.connectionString, connectionTimeoutMillis: 10_000 });
    client.on('error', (err) => {
      this.ctx?.logger.warn('postgres sink connection lost', { connector: this.ctx.name, error: err.message });
      if (this.client === client) this.dropConnection();
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

  /**
   * A write that failed because the connection did (Postgres restarting, or gone): the connection
   * is dropped, so that the next write opens a new one, and the error says the target is
   * unavailable: the worker then writes the batch again until Postgres is back, instead of
   * dead-lettering records that did nothing wrong. Null for any other error.
   */
  private unreachable(err: unknown): SinkTargetUnavailableError | null {
    if (!isConnectionError(err)) return null;
    const client = this.client;
    this.dropConnection();
    void client?.end().catch(() => {});
    return new SinkTargetUnavailableError(`Postgres is unreachable: ${connectionProblem(err instanceof PostgresSinkError && err.cause ? err.cause : err)}`, { cause: err });
  }

  /** Forgets the connection and what lived on it (its temporary stage tables). */
  private dropConnection(): void {
    this.client = null;
    this.stages = new Map();
    this.pendingStages = new Map();
  }

  private remember(t: TableName, info: TableInfo): void {
    if (info.primaryKey.length === 0 && !this.cfg.primaryKey) throw new PostgresSinkError(`table: ${qualified(t)} has no primary key; add one or set primaryKey`);
    this.tables.set(qualified(t), info);
  }

  /** The target table of a topic and its quoted name (or why the topic cannot name one), worked out once per topic. */
  private targetOf(topic: string): { table: TableName; k: string } | PostgresIdentifierError {
    let target = this.targets.get(topic);
    if (target === undefined) {
      const table = parseTableName(this.cfg.table.replace('{topic}', topic.split('.').at(-1)!));
      try {
        target = { table, k: qualified(table) };
      } catch (err) {
        if (!(err instanceof PostgresIdentifierError)) throw err;
        target = err;
      }
      this.targets.set(topic, target);
    }
    return target;
  }

  async write(records: SinkRecord[]): Promise<void> {
    if (this.cfg.copy && this.cfg.mode === 'upsert' && records.length > PART_RECORDS && this.targetsKnown(records)) {
      const rejected = await this.inTurn(() => this.writePipelined(records));
      for (const { record, error } of rejected) await this.ctx.deadLetter(record, error, 1);
      return;
    }
    const batches = new Map<string, TableBatch>();
    const rejected = this.toChanges(records, 0, records.length, batches);
    if (batches.size > 0) rejected.push(...(await this.inTurn(() => this.writeTables(batches))));
    for (const { record, error } of rejected) await this.ctx.deadLetter(record, error, 1);
  }

  /** Whether every record's target table is already described (so no part of a batch creates one from its own rows only). */
  private targetsKnown(records: SinkRecord[]): boolean {
    let topic: string | null = null;
    for (const r of records) {
      if (r.topic === topic) continue;
      topic = r.topic;
      const target = this.targetOf(topic);
      if (target instanceof PostgresIdentifierError || !this.tables.has(target.k)) return false;
    }
    return true;
  }

  /**
   * Records [from, to) as changes grouped by target table (a template may send topics to
   * different tables), in order, added to `batches`; returns the records that cannot become rows.
   */
  private toChanges(records: SinkRecord[], from: number, to: number, batches: Map<string, TableBatch>): Rejected[] {
    const rejected: Rejected[] = [];
    for (let i = from; i < to; i++) {
      const r = records[i]!;
      let table: TableName;
      let change: Change;
      let k: string;
      try {
        const target = this.targetOf(r.topic);
        if (target instanceof PostgresIdentifierError) throw target;
        ({ table, k } = target);
        change = toChange(r, this.cfg.unwrap, this.cfg.primaryKey, this.cfg.copy);
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
    return rejected;
  }

  /**
   * A large batch (copy, upsert, tables already described) in one transaction as parts of
   * PART_RECORDS records, one after another, so that Node and Postgres work at the same time:
   * while Postgres merges part k, Node parses part k + 1 and builds its COPY text; then part k + 1
   * is COPYed and its merge sent, and so on. Each part keeps each key's last change and is merged
   * after the part before it, so the table ends as if the batch were merged at once (upsert: the
   * last change wins either way), and it is still one transaction, committed before write()
   * resolves. A row Postgres refuses sends the whole batch row by row, as writeTables does.
   */
  private async writePipelined(records: SinkRecord[]): Promise<Rejected[]> {
    const client = await this.connection();
    /** Every part's changes per table, for the row-by-row retry. */
    const all = new Map<string, TableBatch>();
    const notRows: Rejected[] = [];
    let parsed = 0;
    const parse = (to: number): TableBatch[] => {
      const part = new Map<string, TableBatch>();
      notRows.push(...this.toChanges(records, parsed, to, part));
      parsed = to;
      for (const [k, b] of part) {
        const whole = all.get(k);
        if (!whole) all.set(k, { table: b.table, changes: [...b.changes], records: [...b.records] });
        else {
          whole.changes.push(...b.changes);
          whole.records.push(...b.records);
        }
      }
      return [...part.values()];
    };
    return this.batchTransaction(
      client,
      async (written) => {
        /** The merge of the part before, running while the next part is prepared. */
        let merging: Promise<unknown> | null = null;
        let committing = false;
        for (let from = 0; from < records.length; from += PART_RECORDS) {
          const to = Math.min(records.length, from + PART_RECORDS);
          const steps = parse(to).map((b) => this.prepare(b, this.tables.get(qualified(b.table))!, written, to < records.length));
          if (merging) await merging;
          merging = null;
          for (let i = 0; i < steps.length; i++) {
            if (merging) await merging;
            // The batch's last merge carries the COMMIT: one round trip less per batch.
            const last = to === records.length && i === steps.length - 1;
            ({ merging, committing } = await this.send(client, steps[i]!, last));
          }
        }
        if (merging) await merging;
        return committing;
      },
      () => {
        parse(records.length);
        return new Map([...all.values()].map((b) => [b, this.tables.get(qualified(b.table))!]));
      },
    ).then((written) => [...notRows, ...written]);
  }

  /** A part's statements for one table, prepared without I/O: TRUNCATE and the stage's creation when needed, its COPY and merge. */
  private prepare(b: TableBatch, info: TableInfo, rejected: Rejected[], more: boolean): { before: string[]; copy: PreparedCopy | null } {
    const plan = this.plan(b, info, rejected);
    const before = plan.truncate ? [`TRUNCATE ${qualified(b.table)}`] : [];
    if (!plan.staged) return { before, copy: null };
    let stage = this.stages.get(info) ?? this.pendingStages.get(info);
    if (!stage) {
      const def = stageDefinition(info);
      stage = def.stage;
      this.pendingStages.set(info, stage);
      before.push(def.create);
    }
    return { before, copy: prepareCopy(stage, plan.staged, more) };
  }

  /**
   * Runs a prepared step up to its merge, which it sends and hands back without waiting for it
   * (wrapped: an async function returning a promise would wait for it), so Postgres merges while
   * Node prepares the next part. The COPY is awaited: pg sends a queued query, and
   * pg-copy-streams its data, only when Node reads the reply before (CopyInResponse,
   * ReadyForQuery), which it cannot while it prepares the next part synchronously; queuing the
   * merge behind an unfinished COPY left Postgres idle for that time (C2's backend/plain ratio
   * the same, the wall-clock ratio 0.75-0.79 against 0.82, BENCHMARKS.md). A failed merge rejects
   * when awaited; until then it is marked handled, so that it cannot crash the process while Node
   * prepares the next part. `commit`: the merge ends the transaction (`committing` says whether
   * it did: a step with no merge cannot).
   */
  private async send(client: pg.Client, step: { before: string[]; copy: PreparedCopy | null }, commit: boolean): Promise<{ merging: Promise<unknown> | null; committing: boolean }> {
    for (const q of step.before) await client.query(q);
    if (!step.copy) return { merging: null, committing: false };
    await sendCopy(client, step.copy);
    if (!step.copy.merge) return { merging: null, committing: false };
    // Statements of one simple query stop at the first error: a failed merge never commits.
    const merging = client.query(commit ? `${step.copy.merge}; COMMIT` : step.copy.merge);
    merging.catch(() => {});
    return { merging, committing: commit };
  }

  /** Writes the batch's tables in one transaction (row by row when Postgres refuses a row); returns the rows refused. */
  private async writeTables(batches: Map<string, TableBatch>): Promise<Rejected[]> {
    const client = await this.connection();
    const infos = new Map<TableBatch, TableInfo>();
    for (const b of batches.values()) infos.set(b, await this.info(client, b));
    return this.batchTransaction(
      client,
      async (written) => {
        for (const b of batches.values()) await this.apply(client, b, infos.get(b)!, written, this.cfg.copy);
      },
      () => infos,
    );
  }

  /**
   * Runs `body` (which adds the rows it does not write to its argument) as the batch's
   * transaction, keeping the stages it created once it commits. When Postgres refuses a row, the
   * batch (`tables()`: every table's changes and description) is written again row by row.
   * Returns the rows refused.
   */
  private async batchTransaction(client: pg.Client, body: (written: Rejected[]) => Promise<void | boolean>, tables: () => Map<TableBatch, TableInfo>): Promise<Rejected[]> {
    const written: Rejected[] = [];
    try {
      await this.inTransaction(client, () => body(written));
      for (const [info, stage] of this.pendingStages) this.stages.set(info, stage);
      this.pendingStages.clear();
    } catch (err) {
      this.pendingStages.clear();
      const infos = tables();
      // A table changed behind our back is described again on the worker's retry.
      if (isStaleTableError(err)) for (const b of infos.keys()) this.tables.delete(qualified(b.table));
      if (!isRowError(err)) throw err;
      written.length = 0;
      await this.rowByRow(client, [...infos.keys()], infos, written);
    }
    return written;
  }

  /** BEGIN, `body`, COMMIT (unless `body` resolves true: its last statement committed), or ROLLBACK when anything fails. */
  private async inTransaction(client: pg.Client, body: () => Promise<void | boolean>): Promise<void> {
    await client.query('BEGIN');
    try {
      if ((await body()) !== true) await client.query('COMMIT');
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
            await this.apply(client, one, infos.get(b)!, rejected, false);
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
      const upserts = last.filter((c): c is Upsert => c.kind === 'upsert');
      const firstKey = last.find((c) => c.kind !== 'truncate') as Exclude<Change, { kind: 'truncate' }> | undefined;
      const keyCols = this.cfg.primaryKey ?? (firstKey ? Object.keys(firstKey.key) : []);
      if (keyCols.length === 0) throw new PostgresSinkError(`table: ${k} does not exist and autoCreate has no key columns to create it with (set primaryKey)`);
      await createTable(client, b.table, upserts.map((u) => ({ ...u.key, ...u.row })), keyCols);
      info = (await describeTable(client, b.table))!;
    }
    this.remember(b.table, info);
    return info;
  }

  /**
   * Writes one table's changes of a batch: only each key's last change (after the last truncate),
   * with COPY into a stage and one merge (`copy`), or with statements (the row-by-row retry, and
   * `copy: false`). Both refuse and accept the same values.
   */
  private async apply(client: pg.Client, b: TableBatch, info: TableInfo, rejected: Rejected[], copy: boolean): Promise<void> {
    const { table } = b;
    const { truncate, staged } = this.plan(b, info, rejected);
    if (truncate) await client.query(`TRUNCATE ${qualified(table)}`);
    if (!staged) return;
    if (copy) {
      await copyAndMerge(client, await this.stage(client, info), staged);
      return;
    }
    const { pk, cols, upserts: rows, deletes, onConflict } = staged;
    for (let i = 0; i < deletes.length; i += Math.floor(MAX_PARAMS / pk.length)) {
      const chunk = deletes.slice(i, i + Math.floor(MAX_PARAMS / pk.length));
      const params: unknown[] = [];
      const tuples = chunk.map((key) => `(${pk.map((col) => this.param(params, key[col], info.columns.get(col)!)).join(', ')})`);
      await client.query(`DELETE FROM ${qualified(table)} WHERE (${pk.map(quoteIdent).join(', ')}) IN (${tuples.join(', ')})`, params);
    }

    if (rows.length === 0) return;
    const perStatement = Math.max(1, Math.min(this.cfg.maxRowsPerStatement, Math.floor(MAX_PARAMS / cols.length)));
    const target = `${qualified(table)} (${cols.map(quoteIdent).join(', ')})`;
    const types = cols.map((c) => info.columns.get(c)!);
    if (types.some((t) => t.endsWith('[]'))) {
      // Array columns cannot go through unnest (it would flatten them): one bind parameter per value.
      for (let i = 0; i < rows.length; i += perStatement) {
        const params: unknown[] = [];
        const tuples = rows.slice(i, i + perStatement).map((r) => `(${cols.map((c, j) => this.param(params, fieldOf(r, c), types[j]!)).join(', ')})`);
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
      const columns = cols.map((c, j) => chunk.map((r) => this.value(fieldOf(r, c), types[j]!)));
      await client.query(`INSERT INTO ${target} ${unnest} ${onConflict}`, columns);
    }
  }

  /**
   * What one table's changes of a batch come to: only each key's last change (after the last
   * truncate), the upserts that can be written (the others rejected) and the columns they write;
   * `staged` is null when nothing is left to write.
   */
  private plan(b: TableBatch, info: TableInfo, rejected: Rejected[]): { truncate: boolean; staged: StagedChanges | null } {
    const { table, changes } = b;
    const { truncate, last } = collapse(changes);
    const pk = this.cfg.primaryKey ?? info.primaryKey;
    const upserts = last.filter((c): c is Upsert => c.kind === 'upsert');
    const deletes = last.filter((c): c is Extract<Change, { kind: 'delete' }> => c.kind === 'delete');
    const colSet = new Set<string>();
    const rows = this.accepted(b, info, upserts, rejected, colSet);
    if (rows.length === 0 && deletes.length === 0) return { truncate, staged: null };
    const cols = [...colSet];
    const nonKey = cols.filter((c) => !pk.includes(c));
    const onConflict =
      this.cfg.mode === 'insert' || nonKey.length === 0
        ? `ON CONFLICT (${pk.map(quoteIdent).join(', ')}) DO NOTHING`
        : `ON CONFLICT (${pk.map(quoteIdent).join(', ')}) DO UPDATE SET ${nonKey.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}`;
    return { truncate, staged: { table, info, pk, cols, upserts: rows, deletes: deletes.map((d) => d.key), onConflict } };
  }

  /**
   * The upserts that can be written, adding the columns they write to `cols`. A record with a
   * field no column has is rejected (unknownFields: error) or loses the field (ignore).
   */
  private accepted(b: TableBatch, info: TableInfo, upserts: Upsert[], rejected: Rejected[], cols: Set<string>): Upsert[] {
    const out: Upsert[] = [];
    const ignore = this.cfg.unknownFields === 'ignore';
    for (const u of upserts) {
      // A flat value's names come from its shape (json-flat.ts), in the order its object would enumerate them.
      const rowNames = flatOf(u)?.shape.ordered ?? Object.keys(u.row);
      const keyNames = Object.keys(u.key);
      let unknown: string[] | null = null;
      for (const names of [rowNames, keyNames]) {
        for (const c of names) {
          if (!info.columns.has(c)) {
            if (!unknown?.includes(c)) (unknown ??= []).push(c);
          } else if (ignore) cols.add(c);
        }
      }
      if (unknown && !ignore) {
        const rec = b.records[b.changes.indexOf(u)]!; // changes and records are parallel
        const why = unknown.map((c) => {
          const problem = identifierProblem(c);
          return problem ? `field ${JSON.stringify(c.length > 80 ? `${c.slice(0, 80)}…` : c)} cannot be a column: it ${problem}` : `${qualified(b.table)} has no column ${JSON.stringify(c)}`;
        });
        rejected.push({ record: rec, error: new PostgresRecordError(why.join('; ')) });
        continue;
      }
      // unknownFields: error — only the fields of records that are written make columns of the statement.
      if (!ignore) for (const names of [rowNames, keyNames]) for (const c of names) cols.add(c);
      out.push(u);
    }
    return out;
  }

  /** The stage table for `info` on this connection, created in the current transaction when missing (see pendingStages). */
  private async stage(client: pg.Client, info: TableInfo): Promise<Stage> {
    const known = this.stages.get(info) ?? this.pendingStages.get(info);
    if (known) return known;
    const { stage, create } = stageDefinition(info);
    await client.query(create);
    this.pendingStages.set(info, stage);
    return stage;
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
    this.dropConnection();
    await c?.end().catch(() => {});
  }
}
