/**
 * Postgres change data capture (Debezium's job): logical replication with pgoutput on `pg`.
 *
 * - Setup: checks the tables and the REPLICATION right, creates the publication and the slot when
 *   missing.
 * - Snapshot (`snapshot: initial`): the slot is created exporting a snapshot; the tables are read
 *   inside that snapshot through cursors (op "r"), and streaming then starts at the slot's
 *   consistent point, so no row is missed or doubled between the two. Snapshot records carry
 *   `{ snapshot: 'partial' }` offsets, and a record on `<topicPrefix>.heartbeat` marks the end
 *   (`snapshot: 'done'`). A snapshot interrupted by a crash starts again (the slot is recreated).
 * - Stream: a transaction's changes are handed to the worker at its Commit, each record's source
 *   offset being the commit's end LSN. The slot's confirmed flush LSN moves only in commit(),
 *   which the worker calls once those records are durable in the log and the offsets stored;
 *   keepalives and the heartbeat timer confirm the last committed LSN — or the server's sent
 *   position when everything received has been committed — never an unprocessed LSN.
 * - A lost connection or a Postgres restart: reconnect with backoff; the server resumes at the
 *   confirmed LSN, transactions already handed out are skipped.
 */
import pg from 'pg';
import type { ConnectorContext, Source, SourceOffset, SourceRecord } from '../../core/worker/contracts.js';
import { SluiceError } from '../../core/errors.js';
import type { PostgresCdcConfig } from './config.js';
import { formatLsn, parseLsn } from './lsn.js';
import { decodePgOutput, type Relation, type TupleValue } from './pgoutput.js';
import { ReplicationConnection } from './replication.js';
import { columnValue } from './values.js';

export class PostgresCdcError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('POSTGRES_CDC', message, options);
  }
}

interface SnapshotTable {
  schema: string;
  table: string;
  columns: Array<{ name: string; oid: number }>;
  key: string[];
  cursor: string;
}

type Offset = { lsn: string; snapshot: 'partial' | 'done' };
/** A change held until its transaction commits, when its envelope is encoded with the commit's LSN and time. */
type Change = { rel: Relation; key: string | null; op: 'c' | 'u' | 'd' | 't' | null; before: Record<string, unknown> | null; after: Record<string, unknown> | null };

/** The record key: JSON of the key columns' values, e.g. {"id":1}; null without key columns. */
function encodeKey(keyCols: readonly string[], row: Record<string, unknown> | null): string | null {
  if (!row || keyCols.length === 0) return null;
  const only = keyCols.length === 1 ? row[keyCols[0]!] : undefined;
  if (only !== undefined) return `{${JSON.stringify(keyCols[0])}:${JSON.stringify(only)}}`;
  return JSON.stringify(Object.fromEntries(keyCols.map((k) => [k, row[k]])));
}

/** Debezium's envelope as JSON text; `source` is the block already encoded (see sourceBlock). */
function encodeEnvelope(op: string, before: unknown, after: unknown, source: string, tsMs: number): string {
  return `{"before":${JSON.stringify(before)},"after":${JSON.stringify(after)},"op":"${op}","source":${source},"ts_ms":${tsMs}}`;
}

const PG_EPOCH_MS = 946_684_800_000;
const usToMs = (us: bigint) => Number(us / 1000n) + PG_EPOCH_MS;

function startError(err: unknown): PostgresCdcError {
  const e = err as { code?: string; message?: string };
  const why = e.code === '28P01' ? 'password authentication failed' : e.code === '3D000' ? 'the database does not exist' : e.code === 'ECONNREFUSED' ? 'nothing listens there (ECONNREFUSED)' : e.message;
  return new PostgresCdcError(`connectionString: cannot connect to Postgres: ${why}`, { cause: err });
}

export class PostgresCdcSource implements Source {
  private ctx!: ConnectorContext;
  private sql!: pg.Client;
  private db = '';
  private repl: ReplicationConnection | null = null;
  private readonly relations = new Map<number, Relation>();
  /** Primary-key columns per "schema.table": the record key (REPLICA IDENTITY FULL flags every column). */
  private readonly primaryKeys = new Map<string, string[]>();
  /** Key columns per relation message (a new Relation message, e.g. after ALTER TABLE, gets its own entry). */
  private readonly keyColumns = new WeakMap<Relation, string[]>();
  private queue: SourceRecord[] = [];
  private txn: { xid: number; commitTime: bigint; changes: Change[] } | null = null;
  private snapshotTables: SnapshotTable[] | null = null;
  /** Highest LSN the worker made durable (confirmed to the server). */
  private committedLsn = 0n;
  /** Highest commit LSN handed to the worker (or skipped as already handed). */
  private handedLsn = 0n;
  /** Highest commit LSN received. */
  private receivedLsn = 0n;
  private lastWalEnd = 0n;
  private wake: (() => void) | null = null;
  private heartbeat?: NodeJS.Timeout;
  private stopping = false;
  private consistentPoint = '0/0';
  private reconnecting = false;

  constructor(private readonly cfg: PostgresCdcConfig) {}

  async start(ctx: ConnectorContext): Promise<void> {
    this.ctx = ctx;
    this.sql = new pg.Client({ connectionString: this.cfg.connectionString, connectionTimeoutMillis: 10_000 });
    this.sql.on('error', (err) => ctx.logger.warn('postgres-cdc: connection error', { error: err.message }));
    try {
      await this.sql.connect();
    } catch (err) {
      throw startError(err);
    }
    this.db = (await this.sql.query('SELECT current_database() AS db')).rows[0].db;
    const role = await this.sql.query('SELECT rolreplication OR rolsuper AS ok, current_user AS who FROM pg_roles WHERE rolname = current_user');
    if (!role.rows[0]?.ok) throw new PostgresCdcError(`connectionString: user "${role.rows[0]?.who}" lacks the REPLICATION attribute (ALTER ROLE … REPLICATION)`);
    for (const t of this.cfg.tables) {
      const found = await this.sql.query('SELECT to_regclass($1) AS oid', [t]);
      if (!found.rows[0].oid) throw new PostgresCdcError(`tables: table "${t}" does not exist in database "${this.db}"`);
      const pk = await this.sql.query(`SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary`, [t]);
      this.primaryKeys.set(t, pk.rows.map((r) => r.name as string));
    }
    const pub = await this.sql.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [this.cfg.publication]);
    const publicationDdl = async (ddl: string) => {
      await this.sql.query(ddl).catch((err: Error) => {
        throw new PostgresCdcError(`publication: cannot run "${ddl}": ${err.message} (it needs CREATE on the database and ownership of the tables; or have an administrator run it)`, { cause: err });
      });
    };
    if (pub.rowCount === 0) {
      await publicationDdl(`CREATE PUBLICATION ${this.cfg.publication} FOR TABLE ${this.cfg.tables.join(', ')}`);
    } else {
      const have = new Set((await this.sql.query('SELECT schemaname || \'.\' || tablename AS t FROM pg_publication_tables WHERE pubname = $1', [this.cfg.publication])).rows.map((r) => r.t));
      const missing = this.cfg.tables.filter((t) => !have.has(t));
      if (missing.length) await publicationDdl(`ALTER PUBLICATION ${this.cfg.publication} ADD TABLE ${missing.join(', ')}`);
    }

    // One topic per table (one partition: a table's changes stay in commit order).
    for (const t of this.cfg.tables) {
      const [schema, table] = t.split('.') as [string, string];
      await ctx.client.admin().createTopic(this.topicOf(schema, table), { partitions: 1, config: { 'cleanup.policy': 'compact,delete', 'retention.ms': -1 } });
    }
    await ctx.client.admin().createTopic(this.heartbeatTopic(), { partitions: 1, config: { 'cleanup.policy': 'compact', 'retention.ms': -1 } });
    const committed = (await ctx.committedOffsets()).get(this.cfg.slot) as Offset | undefined;
    if (committed?.lsn) {
      this.committedLsn = parseLsn(committed.lsn);
      this.handedLsn = this.committedLsn;
    }
    const slotExists = (await this.sql.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [this.cfg.slot])).rowCount! > 0;
    const needSnapshot = this.cfg.snapshot === 'initial' && committed?.snapshot !== 'done';
    const repl = new ReplicationConnection(this.cfg.connectionString);
    await repl.connect().catch((err) => {
      throw startError(err);
    });
    this.repl = repl;
    if (needSnapshot) {
      // An interrupted (or never started) snapshot starts again from a fresh slot and snapshot.
      if (slotExists) await this.sql.query('SELECT pg_drop_replication_slot($1)', [this.cfg.slot]);
      const { snapshotName, consistentPoint } = await repl.createSlot(this.cfg.slot);
      this.consistentPoint = consistentPoint;
      await this.sql.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await this.sql.query(`SET TRANSACTION SNAPSHOT '${snapshotName}'`);
      this.snapshotTables = [];
      for (const [i, t] of this.cfg.tables.entries()) {
        const [schema, table] = t.split('.') as [string, string];
        const cols = await this.sql.query(
          `SELECT a.attname AS name, a.atttypid AS oid FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
          [t],
        );
        const cursor = `sluice_snapshot_${i}`;
        const select = cols.rows.map((c) => `"${c.name}"::text`).join(', ');
        await this.sql.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${select} FROM ${t}`);
        this.snapshotTables.push({ schema, table, columns: cols.rows.map((c) => ({ name: c.name, oid: Number(c.oid) })), key: this.primaryKeys.get(t) ?? [], cursor });
      }
      ctx.logger.info('postgres-cdc: snapshot started', { slot: this.cfg.slot, tables: this.cfg.tables });
    } else {
      if (!slotExists) await repl.createSlot(this.cfg.slot);
      // Streaming needs only the replication connection.
      await this.sql.end().catch(() => {});
      this.stream(repl);
    }
    this.heartbeat = setInterval(() => this.repl?.confirm(this.confirmable()), this.cfg.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** What may be confirmed: the server's sent position if everything received is committed, else the last commit made durable. */
  private confirmable(): bigint {
    const drained = this.txn === null && this.queue.length === 0 && this.handedLsn <= this.committedLsn && this.receivedLsn <= this.committedLsn;
    return drained && this.lastWalEnd > this.committedLsn ? this.lastWalEnd : this.committedLsn;
  }

  private stream(repl: ReplicationConnection): void {
    this.txn = null;
    this.relations.clear();
    // 0/0: the server resumes at the slot's confirmed_flush_lsn.
    repl.start(this.cfg.slot, this.cfg.publication, 0n, {
      onData: (_lsn, payload) => this.onMessage(payload),
      onKeepalive: (walEnd, reply) => {
        this.lastWalEnd = walEnd;
        if (reply) repl.confirm(this.confirmable());
      },
      onEnd: (err) => {
        if (this.stopping || this.repl !== repl) return;
        this.ctx.logger.warn('postgres-cdc: replication stream ended; reconnecting', { error: err?.message });
        void this.reconnect();
      },
    });
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    const old = this.repl;
    this.repl = null;
    await old?.close();
    // Not yet handed out: the server sends them again from the confirmed LSN.
    this.queue = [];
    this.txn = null;
    for (let attempt = 0; !this.stopping; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** attempt)));
      try {
        const repl = new ReplicationConnection(this.cfg.connectionString);
        await repl.connect();
        this.repl = repl;
        this.stream(repl);
        this.ctx.logger.info('postgres-cdc: reconnected', { slot: this.cfg.slot, from: formatLsn(this.committedLsn) });
        break;
      } catch (err) {
        this.ctx.logger.warn('postgres-cdc: reconnect failed', { attempt, error: (err as Error).message });
      }
    }
    this.reconnecting = false;
  }

  private onMessage(payload: Buffer): void {
    const m = decodePgOutput(payload);
    switch (m.tag) {
      case 'relation':
        this.relations.set(m.relation.id, m.relation);
        return;
      case 'begin':
        this.txn = { xid: m.xid, commitTime: m.commitTime, changes: [] };
        return;
      case 'insert':
      case 'update':
      case 'delete':
      case 'truncate':
        if (this.txn) this.txn.changes.push(...this.changes(m));
        return;
      case 'commit': {
        const txn = this.txn;
        this.txn = null;
        if (m.endLsn > this.receivedLsn) this.receivedLsn = m.endLsn;
        if (!txn || m.endLsn <= this.handedLsn) return; // handed out (or committed) before a reconnect
        const offset: Offset = { lsn: formatLsn(m.endLsn), snapshot: 'done' };
        const ts = usToMs(m.commitTime);
        const lsn = formatLsn(m.commitLsn);
        const now = Date.now();
        // The source block is the same for every change of a table in this transaction: encoded once.
        const sources = new Map<Relation, string>();
        for (const c of txn.changes) {
          let value: string | null = null;
          if (c.op !== null) {
            let source = sources.get(c.rel);
            if (source === undefined) sources.set(c.rel, (source = this.sourceBlock(c.rel.schema, c.rel.table, txn.xid, lsn, ts, false)));
            value = encodeEnvelope(c.op, c.before, c.after, source, now);
          }
          this.queue.push({ topic: this.topicOf(c.rel.schema, c.rel.table), key: c.key, value, timestamp: ts, sourcePartition: this.cfg.slot, sourceOffset: offset });
        }
        this.handedLsn = m.endLsn;
        this.wake?.();
        return;
      }
      default:
        return;
    }
  }

  private row(rel: Relation, tuple: TupleValue[] | null, keyOnly = false): Record<string, unknown> | null {
    if (!tuple) return null;
    const out: Record<string, unknown> = {};
    const cols = rel.columns;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      if (keyOnly && !c.key) continue;
      out[c.name] = columnValue(tuple[i] ?? null, c.typeOid);
    }
    return out;
  }

  /** The envelope's `source` block, encoded once for all the changes of a table in a transaction (or a snapshot fetch). */
  private sourceBlock(schema: string, table: string, txId: number | null, lsn: string | null, tsMs: number, snapshot: boolean): string {
    return JSON.stringify({ connector: 'postgresql', db: this.db, schema, table, txId, lsn, ts_ms: tsMs, snapshot });
  }

  /** A decoded change as pending envelopes (op null: the tombstone after a delete). */
  private changes(m: Extract<ReturnType<typeof decodePgOutput>, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>): Change[] {
    if (m.tag === 'truncate') {
      return m.relationIds.flatMap((id) => {
        const rel = this.relations.get(id);
        return rel ? [{ rel, key: null, op: 't' as const, before: null, after: null }] : [];
      });
    }
    const rel = this.relations.get(m.relationId);
    if (!rel) return [];
    if (m.tag === 'insert') {
      const after = this.row(rel, m.newTuple);
      return [{ rel, key: this.keyOf(rel, after), op: 'c', before: null, after }];
    }
    if (m.tag === 'update') {
      const after = this.row(rel, m.newTuple);
      const before = m.oldTuple ? this.row(rel, m.oldTuple, m.oldIsKey) : null;
      return [{ rel, key: this.keyOf(rel, after), op: 'u', before, after }];
    }
    // Delete: the old key (or the full old row with REPLICA IDENTITY FULL), then a tombstone.
    const before = this.row(rel, m.oldTuple, m.oldIsKey);
    const key = this.keyOf(rel, before);
    return [
      { rel, key, op: 'd', before, after: null },
      { rel, key, op: null, before: null, after: null },
    ];
  }

  /** The record key of a streamed row: its primary-key columns (or the replica identity's). */
  private keyOf(rel: Relation, row: Record<string, unknown> | null): string | null {
    let keyCols = this.keyColumns.get(rel);
    if (!keyCols) {
      const pk = this.primaryKeys.get(`${rel.schema}.${rel.table}`);
      keyCols = pk?.length ? pk : rel.columns.filter((c) => c.key).map((c) => c.name);
      this.keyColumns.set(rel, keyCols);
    }
    return encodeKey(keyCols, row);
  }

  private heartbeatTopic(): string {
    return `${this.cfg.topicPrefix}.heartbeat`;
  }

  private topicOf(schema: string, table: string): string {
    return `${this.cfg.topicPrefix}.${schema}.${table}`;
  }

  async poll(): Promise<SourceRecord[]> {
    if (this.snapshotTables) return this.pollSnapshot();
    if (this.queue.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    const out = this.queue;
    this.queue = [];
    return out;
  }

  private async pollSnapshot(): Promise<SourceRecord[]> {
    const tables = this.snapshotTables!;
    const t = tables[0]!;
    const res = await this.sql.query({ text: `FETCH ${this.cfg.snapshotFetchRows} FROM ${t.cursor}`, rowMode: 'array' });
    const offset: Offset = { lsn: '0/0', snapshot: 'partial' };
    const topic = this.topicOf(t.schema, t.table);
    const now = Date.now();
    const source = this.sourceBlock(t.schema, t.table, null, null, now, true);
    const records: SourceRecord[] = (res.rows as Array<Array<string | null>>).map((values) => {
      const after: Record<string, unknown> = {};
      t.columns.forEach((c, i) => (after[c.name] = columnValue(values[i] ?? null, c.oid)));
      return { topic, key: encodeKey(t.key, after), value: encodeEnvelope('r', null, after, source, now), sourcePartition: this.cfg.slot, sourceOffset: offset };
    });
    if (res.rows.length < this.cfg.snapshotFetchRows) {
      await this.sql.query(`CLOSE ${t.cursor}`);
      tables.shift();
      if (tables.length === 0) {
        // The end of the snapshot is stored as a source offset even when no change follows: a
        // heartbeat record (Debezium's heartbeat topic) carries it. Otherwise a restart would take
        // the snapshot again and miss the rows deleted in between.
        records.push({
          topic: this.heartbeatTopic(),
          key: this.cfg.slot,
          value: JSON.stringify({ slot: this.cfg.slot, lsn: this.consistentPoint, snapshot: 'done', ts_ms: now }),
          sourcePartition: this.cfg.slot,
          sourceOffset: { lsn: this.consistentPoint, snapshot: 'done' } satisfies Offset,
        });
        await this.sql.query('COMMIT');
        await this.sql.end().catch(() => {});
        this.snapshotTables = null;
        this.ctx.logger.info('postgres-cdc: snapshot done; streaming', { slot: this.cfg.slot });
        this.stream(this.repl!);
      }
    }
    return records;
  }

  async commit(offsets: Map<string, SourceOffset>): Promise<void> {
    const off = offsets.get(this.cfg.slot) as Offset | undefined;
    if (!off || off.snapshot !== 'done') return;
    const lsn = parseLsn(off.lsn);
    if (lsn > this.committedLsn) this.committedLsn = lsn;
    this.repl?.confirm(this.committedLsn);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeat);
    this.wake?.();
    await this.repl?.close();
    await this.sql?.end().catch(() => {});
  }
}
