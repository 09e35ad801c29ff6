/**
 * Postgres change data capture (Debezium's job): logical replication with pgoutput on `pg`.
 *
 * - Setup (catalog.ts): checks wal_level=logical, the REPLICATION right, the tables and their
 *   replica identity before anything is created; creates the publication (or adds tables to it)
 *   and the slot when missing. A start that fails takes back what it created and closes its
 *   connections.
 * - Where to begin (resume.ts): a stored offset the slot can no longer continue (slot dropped,
 *   invalidated or moved on, publication dropped) stops the start with PostgresCdcSlotLostError
 *   ("changes may be missing"), or takes a new snapshot with `snapshot: when_needed`; a slot is
 *   never created silently over a stored offset.
 * - Snapshot (`snapshot: initial`): the slot is created exporting a snapshot; the tables are read
 *   inside that snapshot through cursors (op "r"), and streaming then starts at the slot's
 *   consistent point, so no row is missed or doubled between the two. Snapshot records carry
 *   `{ snapshot: 'partial' }` offsets, and a record on `<topicPrefix>.heartbeat` marks the end
 *   (`snapshot: 'done'`). A snapshot interrupted by a crash is taken again, streaming on from the
 *   kept slot afterwards (resume.ts).
 * - Stream: a transaction's changes are handed to the worker at its Commit, each record's source
 *   offset being the commit's end LSN. The slot's confirmed flush LSN moves only in commit(),
 *   which the worker calls once those records are durable in the log and the offsets stored, so
 *   the slot is never ahead of the stored offset (which is how a slot moved by someone else is
 *   told apart). While the tables are idle, a heartbeat record carries the server's position, so
 *   the slot still moves on and WAL of other activity does not pile up behind it.
 * - A lost connection or a Postgres restart: reconnect with backoff for up to reconnectTimeoutMs,
 *   then fail the app; the server resumes at the confirmed LSN, transactions already handed out
 *   are skipped. A slot or publication dropped while running fails the app at once (poll throws
 *   PostgresCdcSlotLostError) instead of retrying forever.
 */
import pg from 'pg';
import type { ConnectorContext, Source, SourceOffset, SourceRecord } from '../../core/worker/contracts.js';
import { SluiceError } from '../../core/errors.js';
import { quoteIdent, quoteLiteral, setField } from '../postgres/identifier.js';
import { connectionProblem } from '../postgres/errors.js';
import { checkPrerequisites, ensurePublication, publicationExists, slotState, type CapturedTable, type Undo } from './catalog.js';
import type { PostgresCdcConfig } from './config.js';
import { PostgresCdcError, PostgresCdcSlotLostError } from './errors.js';
import { formatLsn, parseLsn } from './lsn.js';
import { ChangeEncoder, encodeEnvelope, encodeKey, sourceBlock } from './change-encoder.js';
import { advanceSlot, peekBacklog } from './backlog-peek.js';
import { ReplicationConnection } from './replication.js';
import { planStart, RESNAPSHOT_HINT, type CdcOffset } from './resume.js';
import { columnValue } from './values.js';

interface SnapshotTable {
  schema: string;
  table: string;
  columns: Array<{ name: string; oid: number }>;
  key: string[];
  cursor: string;
}

/**
 * Records queued for the next poll at which the source stops reading the replication stream until
 * the worker takes them. Without a bound, a backlog that the walsender sends faster than the
 * worker appends it piled up in memory whole (C1's catch-up polled 20 000–45 000 records at a
 * time). A lower bound (10 000) cost C1's catch-up about 0.2 s more CPU per 100 000 rows in an
 * alternating A/B (paused and resumed reads), so this one only bounds the memory.
 */
const QUEUE_RECORDS = 50_000;

/**
 * A commit received this long after it was committed (by the server's clock against ours) means
 * the stream is a backlog: the replication connection then naps after short reads (see NAP_MS in
 * replication.ts). C1's backlog arrives 0.1–3 s late; live capture 5–250 ms on a loaded machine.
 */
const CATCHING_UP_MS = 500;
const PG_EPOCH_MS = 946_684_800_000;

/**
 * A slot this far behind the server's WAL at start is read through SQL before streaming (see
 * backlog-peek.ts). Below it the walsender's cost per message does not matter, and a peek would
 * cost a round trip more.
 */
const PEEK_FROM_BYTES = 8n << 20n;

/**
 * Messages per peek, a bound on memory (~100 bytes each for C1's rows, plus the records): every
 * peek decodes from the slot's restart_lsn, which Postgres moves only every 15 s of activity
 * (running_xacts), so fewer larger peeks decode less again.
 */
const PEEK_MESSAGES = 200_000;

/** Records per poll while peeking (the streamed catch-up's polls were 20 000–45 000). */
const PEEK_POLL_RECORDS = 20_000;

function startError(err: unknown): PostgresCdcError {
  return new PostgresCdcError(`connectionString: cannot connect to Postgres: ${connectionProblem(err)}`, { cause: err });
}

/** Why a replication stream that ended cannot be resumed (the slot or publication is gone), or null when reconnecting may help. */
function unrecoverable(err: unknown, slot: string, publication: string): string | null {
  const e = err as { code?: string; message?: string } | null;
  const message = e?.message ?? '';
  if (e?.code === '42704' && /replication slot/.test(message)) return `the replication slot "${slot}" was dropped while the source ran`;
  if (e?.code === '42704' && /publication/.test(message)) {
    return `the publication "${publication}" was dropped while the source ran (the slot cannot decode past that point, even if the publication is created again: drop the slot with SELECT pg_drop_replication_slot('${slot}') first)`;
  }
  if (e?.code === '55000' && /replication slot/.test(message)) return `the replication slot "${slot}" cannot stream any more: ${message}`;
  return null;
}

export class PostgresCdcSource implements Source {
  private ctx!: ConnectorContext;
  private sql: pg.Client | null = null;
  private db = '';
  private repl: ReplicationConnection | null = null;
  /** Primary-key columns per "schema.table": the record key (REPLICA IDENTITY FULL flags every column). */
  private readonly primaryKeys = new Map<string, string[]>();
  private queue: SourceRecord[] = [];
  /** pgoutput messages to records; made at start, once the database's name is known. */
  private encoder: ChangeEncoder | null = null;
  private snapshotTables: SnapshotTable[] | null = null;
  /** Highest LSN the worker made durable and stored (the only LSN ever confirmed to the server). */
  private committedLsn = 0n;
  /** Highest commit LSN (or heartbeat position) handed to the worker, or skipped as already handed. */
  private handedLsn = 0n;
  /** Highest commit LSN received. */
  private receivedLsn = 0n;
  private lastWalEnd = 0n;
  private wake: (() => void) | null = null;
  private heartbeat?: NodeJS.Timeout;
  private stopping = false;
  private consistentPoint = '0/0';
  private reconnecting = false;
  /** When the replication connection started failing (null while it streams). */
  private failingSince: number | null = null;
  /** While the backlog is read through SQL (on `sql`): how far the slot was moved, whether the backlog is read. */
  private peek: { advanced: bigint; caughtUp: boolean } | null = null;
  /** Set when the source cannot go on: the next poll throws it, which fails the app. */
  private failure: Error | null = null;

  /**
   * `queueRecords`: see QUEUE_RECORDS (tests set it lower, to hold the stream on a small backlog);
   * `peekFromBytes`, `peekMessages`, `peekPollRecords`: see PEEK_FROM_BYTES, PEEK_MESSAGES and
   * PEEK_POLL_RECORDS (tests read a small backlog through SQL, in several peeks and polls, or never).
   */
  constructor(
    private readonly cfg: PostgresCdcConfig,
    private readonly internals: { queueRecords?: number; peekFromBytes?: bigint; peekMessages?: number; peekPollRecords?: number } = {},
  ) {}

  async start(ctx: ConnectorContext): Promise<void> {
    this.ctx = ctx;
    const undo: Undo[] = [];
    try {
      await this.setUp(ctx, undo);
    } catch (err) {
      await this.closeConnections();
      await this.undo(undo);
      throw err instanceof SluiceError ? err : new PostgresCdcError(`postgres-cdc could not start: ${(err as Error).message}`, { cause: err });
    }
    this.heartbeat = setInterval(() => this.onHeartbeat(), this.cfg.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** Everything start() does; what it creates in Postgres is pushed onto `undo` as it goes. */
  private async setUp(ctx: ConnectorContext, undo: Undo[]): Promise<void> {
    const cfg = this.cfg;
    const sql = new pg.Client({ connectionString: cfg.connectionString, connectionTimeoutMillis: 10_000 });
    sql.on('error', (err) => ctx.logger.warn('postgres-cdc: connection error', { error: err.message }));
    try {
      await sql.connect();
    } catch (err) {
      throw startError(err);
    }
    this.sql = sql;
    const { db, user, tables } = await checkPrerequisites(sql, cfg.tables);
    this.db = db;
    for (const t of tables) this.primaryKeys.set(t.name, t.primaryKey);
    this.encoder = new ChangeEncoder({ db, slot: cfg.slot, topicPrefix: cfg.topicPrefix, primaryKeys: this.primaryKeys });
    const committed = (await ctx.committedOffsets()).get(cfg.slot) as CdcOffset | undefined;
    const pubExists = await publicationExists(sql, cfg.publication);
    const slot = await slotState(sql, cfg.slot);
    const plan = planStart({ mode: cfg.snapshot, slotName: cfg.slot, publication: cfg.publication, db, committed, slot, publicationExists: pubExists });
    if (plan.snapshot) {
      const unreadable = tables.filter((t) => !t.readable);
      if (unreadable.length) throw new PostgresCdcError(`tables: the snapshot reads ${unreadable.map((t) => `"${t.name}"`).join(', ')}, which user "${user}" may not SELECT (GRANT SELECT, or snapshot: never)`);
    }
    const undoPublication = await ensurePublication(sql, cfg.publication, tables, pubExists);
    if (undoPublication) undo.push(undoPublication);

    // One topic per table (one partition: a table's changes stay in commit order).
    for (const t of tables) await ctx.client.admin().createTopic(this.topicOf(t.schema, t.table), { partitions: 1, config: { 'cleanup.policy': 'compact,delete', 'retention.ms': -1 } });
    await ctx.client.admin().createTopic(this.heartbeatTopic(), { partitions: 1, config: { 'cleanup.policy': 'compact', 'retention.ms': -1 } });
    if (committed?.snapshot === 'done' && !plan.snapshot) {
      this.committedLsn = parseLsn(committed.lsn);
      this.handedLsn = this.committedLsn;
    }
    const repl = new ReplicationConnection(cfg.connectionString);
    await repl.connect().catch((err) => {
      throw startError(err);
    });
    this.repl = repl;
    const dropSlot: Undo = (s) => s.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [cfg.slot]);
    if (plan.snapshot) {
      if (plan.reason) ctx.logger.warn(`postgres-cdc: ${plan.reason}; taking a new snapshot (snapshot: when_needed)`, { slot: cfg.slot });
      // A snapshot from a fresh slot, or, keeping a usable slot, from a temporary slot's export.
      if (plan.dropSlot) {
        await this.whileSlotInUse(() => dropSlot(sql)).catch((err: Error & { code?: string }) => {
          throw new PostgresCdcError(`slot: cannot drop replication slot "${cfg.slot}" to take a new snapshot: ${err.message}${err.code === '55006' ? ' (another worker or client streams from it)' : ''}`, { cause: err });
        });
      }
      if (plan.resumeAt !== null) {
        // The slot stays (see resume.ts): the snapshot comes from a temporary slot's export, on a
        // connection of its own that ends once the snapshot is imported (the import keeps it).
        const exporter = new ReplicationConnection(cfg.connectionString);
        await exporter.connect().catch((err) => {
          throw startError(err);
        });
        try {
          const { snapshotName } = await this.createSlot(exporter, `sluice_snapshot_${process.pid}_${Date.now().toString(36)}`, true);
          this.snapshotTables = await this.openSnapshot(sql, snapshotName, tables);
        } finally {
          await exporter.close();
        }
        this.consistentPoint = formatLsn(plan.resumeAt);
      } else {
        const { snapshotName, consistentPoint } = await this.createSlot(repl);
        undo.push(dropSlot);
        this.consistentPoint = consistentPoint;
        this.snapshotTables = await this.openSnapshot(sql, snapshotName, tables);
      }
      ctx.logger.info('postgres-cdc: snapshot started', { slot: cfg.slot, tables: cfg.tables });
    } else {
      if (plan.createSlot) {
        const { consistentPoint } = await this.createSlot(repl);
        undo.push(dropSlot);
        // The slot's starting point is stored at once, so that from now on a lost slot is noticed.
        this.queueHeartbeat(parseLsn(consistentPoint));
      }
      // A backlog is read through SQL first (see backlog-peek.ts), unless a walsender still holds the slot.
      if (!plan.createSlot && slot && slot.activePid === null && slot.walBehind >= (this.internals.peekFromBytes ?? PEEK_FROM_BYTES)) {
        this.peek = { advanced: slot.confirmedFlush ?? 0n, caughtUp: false };
        return;
      }
      // Streaming needs only the replication connection.
      await sql.end().catch(() => {});
      this.sql = null;
      await this.firstStream();
    }
  }

  /**
   * Runs `attempt` (drop the slot, stream from it) while the slot is in use (55006), with backoff,
   * up to reconnectTimeoutMs: after a worker was killed, its walsender may hold the slot until it
   * notices (Debezium retries the same way, slot.max.retries). `beforeRetry` prepares the next go.
   */
  private async whileSlotInUse<T>(attempt: () => Promise<T>, beforeRetry: () => Promise<void> = async () => {}): Promise<T> {
    const deadline = Date.now() + this.cfg.reconnectTimeoutMs;
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        const wait = Math.min(5_000, 200 * 2 ** i, deadline - Date.now());
        if ((err as { code?: string }).code !== '55006' || wait <= 0) throw err;
        this.ctx.logger.warn('postgres-cdc: the replication slot is in use; waiting for it', { slot: this.cfg.slot, error: (err as Error).message });
        await new Promise((r) => setTimeout(r, wait));
        await beforeRetry();
      }
    }
  }

  /** Starts streaming at start(), on a new connection for each try. */
  private async firstStream(): Promise<void> {
    try {
      await this.whileSlotInUse(
        () => this.stream(this.repl!),
        async () => {
          await this.repl?.close();
          this.repl = new ReplicationConnection(this.cfg.connectionString);
          await this.repl.connect().catch((error) => {
            throw startError(error);
          });
        },
      );
    } catch (err) {
      if (err instanceof SluiceError) throw err;
      const e = err as Error & { code?: string };
      throw new PostgresCdcError(`slot: cannot stream from replication slot "${this.cfg.slot}": ${e.message}${e.code === '55006' ? ' (another worker or client streams from it: give each source its own slot)' : ''}`, { cause: err });
    }
  }

  private async createSlot(repl: ReplicationConnection, name = this.cfg.slot, temporary = false): Promise<{ snapshotName: string; consistentPoint: string }> {
    try {
      return await repl.createSlot(name, temporary);
    } catch (err) {
      const e = err as { message?: string; hint?: string };
      throw new PostgresCdcError(`slot: cannot create ${temporary ? 'the temporary ' : ''}replication slot "${name}": ${e.message}${e.hint ? ` (${e.hint})` : ''}`, { cause: err });
    }
  }

  /** A REPEATABLE READ transaction in the slot's exported snapshot, with a cursor per table. */
  private async openSnapshot(sql: pg.Client, snapshotName: string, tables: CapturedTable[]): Promise<SnapshotTable[]> {
    await sql.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await sql.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotName)}`);
    const out: SnapshotTable[] = [];
    for (const [i, t] of tables.entries()) {
      const cols = await sql.query<{ name: string; oid: number }>(
        `SELECT a.attname AS name, a.atttypid AS oid FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [t.sql],
      );
      const cursor = `sluice_snapshot_${i}`;
      // Column names come from the catalog, where a table's owner chose them: quoted, never pasted.
      const select = cols.rows.map((c) => `${quoteIdent(c.name)}::text`).join(', ');
      await sql.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${select} FROM ${t.sql}`);
      out.push({ schema: t.schema, table: t.table, columns: cols.rows.map((c) => ({ name: c.name, oid: Number(c.oid) })), key: t.primaryKey, cursor });
    }
    return out;
  }

  /** Takes back what a failed start created, on a connection of its own. */
  private async undo(undo: Undo[]): Promise<void> {
    if (undo.length === 0) return;
    const sql = new pg.Client({ connectionString: this.cfg.connectionString, connectionTimeoutMillis: 10_000 });
    sql.on('error', () => {});
    try {
      await sql.connect();
      for (const u of undo.reverse()) {
        await u(sql).catch((err: Error) => this.ctx.logger.warn('postgres-cdc: could not take back what the failed start created', { error: err.message }));
      }
    } catch (err) {
      this.ctx.logger.warn('postgres-cdc: could not take back what the failed start created', { error: (err as Error).message });
    } finally {
      await sql.end().catch(() => {});
    }
  }

  private async closeConnections(): Promise<void> {
    // The SQL backlog read goes with its connection: a later poll does not peek on a closed one.
    this.peek = null;
    const repl = this.repl;
    this.repl = null;
    await repl?.close();
    const sql = this.sql;
    this.sql = null;
    await sql?.end().catch(() => {});
  }

  /** Everything received has been handed out and made durable. */
  private drained(): boolean {
    return !this.encoder?.inTransaction() && this.queue.length === 0 && this.handedLsn <= this.committedLsn && this.receivedLsn <= this.committedLsn;
  }

  /**
   * Every heartbeatIntervalMs: a status update with the last stored position (keeps the server
   * from timing the connection out), and, when everything received is stored and the server has
   * gone further (WAL of other tables, or of nothing), a heartbeat record at the server's
   * position. Once the worker stored it, commit() confirms it: the slot moves on, always behind
   * the stored offset.
   */
  private onHeartbeat(): void {
    if (this.snapshotTables || this.failure) return;
    this.repl?.confirm(this.committedLsn);
    if (this.drained() && this.lastWalEnd > this.committedLsn) this.queueHeartbeat(this.lastWalEnd);
  }

  private queueHeartbeat(lsn: bigint): void {
    const text = formatLsn(lsn);
    this.queue.push({
      topic: this.heartbeatTopic(),
      key: this.cfg.slot,
      value: JSON.stringify({ slot: this.cfg.slot, lsn: text, ts_ms: Date.now() }),
      sourcePartition: this.cfg.slot,
      sourceOffset: { lsn: text, snapshot: 'done' } satisfies CdcOffset,
    });
    if (lsn > this.handedLsn) this.handedLsn = lsn;
    this.wake?.();
  }

  /** Starts streaming on `repl`; resolves once the server streams. */
  private async stream(repl: ReplicationConnection): Promise<void> {
    this.encoder!.reset();
    this.repl = repl;
    // 0/0: the server resumes at the slot's confirmed_flush_lsn.
    await repl.start(this.cfg.slot, this.cfg.publication, 0n, {
      onData: (payload) => {
        this.failingSince = null;
        this.onMessage(payload);
      },
      onKeepalive: (walEnd, reply) => {
        this.failingSince = null;
        this.lastWalEnd = walEnd;
        // Only a stored position is ever confirmed (see onHeartbeat).
        if (reply) repl.confirm(this.committedLsn);
      },
      onEnd: (err) => {
        if (this.stopping || this.repl !== repl) return;
        void this.reconnect(err);
      },
    });
  }

  /** The source cannot go on: the next poll throws `err`, and the app fails with it. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.ctx.logger.error(err.message, { slot: this.cfg.slot });
    void this.closeConnections();
    this.wake?.();
  }

  /**
   * After the stream broke: reconnect with backoff (200 ms doubling to 10 s) while the failures
   * last less than reconnectTimeoutMs, then fail. A dropped slot or publication fails at once.
   */
  private async reconnect(cause: Error | null): Promise<void> {
    if (this.reconnecting || this.stopping || this.failure) return;
    this.reconnecting = true;
    const old = this.repl;
    this.repl = null;
    await old?.close();
    // A transaction cut off half-way is sent again whole; the queue holds complete ones, already handed.
    this.encoder?.reset();
    let last: unknown = cause;
    this.failingSince ??= Date.now();
    for (let attempt = 0; !this.stopping; attempt++) {
      const lost = unrecoverable(last, this.cfg.slot, this.cfg.publication);
      if (lost) {
        this.fail(new PostgresCdcSlotLostError(`postgres-cdc: ${lost}; changes committed after ${formatLsn(this.committedLsn)} may be missing from the topics. ${RESNAPSHOT_HINT}`, { cause: last }));
        break;
      }
      const left = this.failingSince + this.cfg.reconnectTimeoutMs - Date.now();
      if (left <= 0) {
        const why = last instanceof Error ? last.message : 'the stream ended';
        this.fail(new PostgresCdcError(`postgres-cdc: the replication connection kept failing for ${Math.round((Date.now() - this.failingSince) / 1000)} s (reconnectTimeoutMs ${this.cfg.reconnectTimeoutMs}); last error: ${why}`, { cause: last }));
        break;
      }
      this.ctx.logger.warn('postgres-cdc: replication stream ended; reconnecting', { attempt, error: last instanceof Error ? last.message : undefined });
      await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** attempt, left)));
      if (this.stopping) break;
      const repl = new ReplicationConnection(this.cfg.connectionString);
      try {
        await repl.connect();
        await this.stream(repl);
        this.ctx.logger.info('postgres-cdc: reconnected', { slot: this.cfg.slot, from: formatLsn(this.committedLsn) });
        break;
      } catch (err) {
        if (this.repl === repl) this.repl = null;
        await repl.close();
        last = err;
      }
    }
    this.reconnecting = false;
  }

  private onMessage(payload: Buffer): void {
    const commit = this.encoder!.message(payload);
    if (!commit) return;
    if (commit.endLsn > this.receivedLsn) this.receivedLsn = commit.endLsn;
    if (this.repl) this.repl.catchingUp = Date.now() - (Number(commit.commitTime / 1000n) + PG_EPOCH_MS) > CATCHING_UP_MS;
    if (!commit.txn || commit.endLsn <= this.handedLsn) return; // handed out (or committed) before a reconnect
    const offset: CdcOffset = { lsn: formatLsn(commit.endLsn), snapshot: 'done' };
    for (const r of this.encoder!.records(commit, offset, Date.now())) this.queue.push(r);
    this.handedLsn = commit.endLsn;
    // Enough for the next poll: stop reading the stream until the worker takes them.
    if (!this.peek && this.queue.length >= (this.internals.queueRecords ?? QUEUE_RECORDS)) this.repl?.hold(true);
    this.wake?.();
  }

  private heartbeatTopic(): string {
    return `${this.cfg.topicPrefix}.heartbeat`;
  }

  private topicOf(schema: string, table: string): string {
    return `${this.cfg.topicPrefix}.${schema}.${table}`;
  }

  async poll(): Promise<SourceRecord[]> {
    if (this.failure) throw this.failure;
    if (this.snapshotTables) return this.pollSnapshot();
    if (this.peek) return this.pollPeek(this.peek);
    if (this.queue.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
      if (this.failure) throw this.failure;
    }
    const out = this.queue;
    this.queue = [];
    this.repl?.hold(false);
    return out;
  }

  /**
   * The backlog through SQL: the slot is first moved to what the worker made durable (the last
   * poll's records: the runner polls again only after committing them), then the next transactions
   * are peeked. Once a peek returned fewer messages than asked (the backlog is read) and its
   * records are taken, the slot is moved and the source streams from it. A move or a peek that
   * fails (the connection lost, Postgres restarting, the slot taken, an older Postgres) ends the
   * reading through SQL at once: the stream gives the same messages from the slot's confirmed
   * position (those already handed out are skipped), and reconnects while the failure lasts.
   */
  private async pollPeek(p: NonNullable<typeof this.peek>): Promise<SourceRecord[]> {
    // The last peek's records go out first, PEEK_POLL_RECORDS at a time; the slot is moved and
    // peeked again only once they are all taken (each advance and peek decodes from restart_lsn).
    if (this.queue.length === 0) {
      const sql = this.sql!; // set while peek is (closeConnections clears both)
      let failed: unknown = null;
      try {
        if (this.committedLsn > p.advanced) {
          await advanceSlot(sql, this.cfg.slot, this.committedLsn);
          p.advanced = this.committedLsn;
        }
        if (!p.caughtUp) {
          // A transaction cut off by a failed peek is peeked again whole.
          this.encoder!.reset();
          const most = this.internals.peekMessages ?? PEEK_MESSAGES;
          const messages = await peekBacklog(sql, this.cfg.slot, this.cfg.publication, most);
          p.caughtUp = messages.length < most;
          for (const m of messages) this.onMessage(m);
          // Transactions that gave no record (Postgres 14 and older send the BEGIN and COMMIT of
          // every transaction, of other tables' too): their position goes out on a heartbeat
          // record, as while streaming, so that the slot moves past them; else a peek of nothing
          // else would be peeked again and again.
          if (this.queue.length === 0 && this.handedLsn > this.committedLsn) this.queueHeartbeat(this.handedLsn);
        }
      } catch (err) {
        this.ctx.logger.warn('postgres-cdc: cannot read the backlog through SQL; streaming it', { slot: this.cfg.slot, error: (err as Error).message });
        failed = err;
        p.caughtUp = true;
      }
      if (p.caughtUp && this.queue.length === 0) {
        // The encoder is reset by stream() and reconnect(), whichever takes over.
        this.peek = null;
        this.sql = null;
        await sql.end().catch(() => {});
        if (failed) void this.reconnect(failed as Error);
        else {
          await this.firstStream().catch((err: Error) => {
            // The idle replication connection may have gone with the SQL one: reconnect.
            void this.reconnect((err.cause as Error | undefined) ?? err);
          });
        }
        return [];
      }
    }
    // Whole transactions only: a record's offset is its commit's, stored once the poll is durable.
    let n = Math.min(this.internals.peekPollRecords ?? PEEK_POLL_RECORDS, this.queue.length);
    while (n < this.queue.length && this.queue[n]!.sourceOffset === this.queue[n - 1]!.sourceOffset) n++;
    return this.queue.splice(0, n);
  }

  private async pollSnapshot(): Promise<SourceRecord[]> {
    const tables = this.snapshotTables!;
    const sql = this.sql!;
    const t = tables[0]!;
    const res = await sql.query({ text: `FETCH ${this.cfg.snapshotFetchRows} FROM ${t.cursor}`, rowMode: 'array' });
    const offset: CdcOffset = { lsn: '0/0', snapshot: 'partial' };
    const topic = this.topicOf(t.schema, t.table);
    const now = Date.now();
    const source = sourceBlock(this.db, t.schema, t.table, null, null, now, true);
    const records: SourceRecord[] = (res.rows as Array<Array<string | null>>).map((values) => {
      const after: Record<string, unknown> = {};
      t.columns.forEach((c, i) => setField(after, c.name, columnValue(values[i] ?? null, c.oid)));
      return { topic, key: encodeKey(t.key, after), value: encodeEnvelope('r', null, after, source, now), sourcePartition: this.cfg.slot, sourceOffset: offset };
    });
    if (res.rows.length < this.cfg.snapshotFetchRows) {
      await sql.query(`CLOSE ${t.cursor}`);
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
          sourceOffset: { lsn: this.consistentPoint, snapshot: 'done' } satisfies CdcOffset,
        });
        await sql.query('COMMIT');
        await sql.end().catch(() => {});
        this.sql = null;
        this.snapshotTables = null;
        this.handedLsn = parseLsn(this.consistentPoint);
        this.ctx.logger.info('postgres-cdc: snapshot done; streaming', { slot: this.cfg.slot });
        const repl = this.repl!;
        this.stream(repl).catch((err: Error) => {
          if (!this.stopping && this.repl === repl) void this.reconnect(err);
        });
      }
    }
    return records;
  }

  async commit(offsets: Map<string, SourceOffset>): Promise<void> {
    const off = offsets.get(this.cfg.slot) as CdcOffset | undefined;
    if (!off || off.snapshot !== 'done') return;
    const lsn = parseLsn(off.lsn);
    if (lsn > this.committedLsn) this.committedLsn = lsn;
    this.repl?.confirm(this.committedLsn);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeat);
    this.wake?.();
    await this.closeConnections();
  }
}
