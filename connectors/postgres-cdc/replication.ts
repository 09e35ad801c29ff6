/**
 * A logical replication connection on `pg` (replication: 'database'): creating a slot with an
 * exported snapshot, and START_REPLICATION in CopyBoth mode. XLogData messages are handed to
 * `onData`; primary keepalives to `onKeepalive`; standby status updates go out only through
 * `confirm(lsn)` — never for an LSN the caller has not made durable (see docs/notes/postgres-cdc.md:
 * acknowledging a received-but-unprocessed LSN loses data).
 */
import net from 'node:net';
import pg from 'pg';
import { quoteIdent, quoteLiteral } from '../postgres/identifier.js';
import { formatLsn } from './lsn.js';

/** Microseconds between the Unix epoch and Postgres's epoch (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000n;

export interface ReplicationHandlers {
  /** An XLogData message's pgoutput payload (its WAL positions are not read: the Commit carries the LSN the source stores). */
  onData(payload: Buffer): void;
  onKeepalive(walEnd: bigint, replyRequested: boolean): void;
  onEnd(err: Error | null): void;
}

/**
 * After a read of fewer than NAP_BELOW_BYTES, the socket is not read for NAP_MS, so that the
 * walsender's messages pile up in the kernel and the next read takes them all. Otherwise a client
 * that keeps up reads one or two messages at a time (the walsender does a send() per message): on
 * this VM each of those wakes both sides, and C1's catch-up cost the source 0.77–0.83 s and the
 * walsender 0.73–0.88 s of CPU per 100 000 rows; with the nap 0.36–0.56 s and 0.62–0.68 s, and
 * 129–142 k rows/s instead of 98–120 k (quiet machine, alternating). Longer naps (3 ms) or a
 * higher threshold (256 KiB) saved a little more CPU but lost rate: the walsender then waited.
 * Only while catching up (see catchingUp): in live capture the nap put the commit → receive lag
 * at p50 44 ms against 11 ms (a transaction's ~100 small segments fill the receive buffer of a
 * socket whose window autotuning has not grown, and the window update waits on the delayed ACK).
 * Only on plain TCP, whose window grows to hold what piles up in the nap: over a Unix socket (a
 * send buffer of ~208 KiB) the walsender blocked in every nap and catch-up fell to 29–40 k rows/s
 * (129–147 k over TCP, same minutes); over TLS every read is a record of at most 16 KiB, so each
 * would be followed by a nap.
 */
const NAP_BELOW_BYTES = 32 << 10;
const NAP_MS = 1;

/** Whether the connection is plain TCP (see NAP_MS). */
function napsHelp(stream: unknown): boolean {
  return stream instanceof net.Socket && !(stream as { encrypted?: boolean }).encrypted && (stream.remoteFamily === 'IPv4' || stream.remoteFamily === 'IPv6');
}

export class ReplicationConnection {
  private readonly client: pg.Client;
  private streaming = false;
  /** Reading stopped by hold(). */
  private held = false;
  /** Reading stopped for NAP_MS after a short read. */
  private napping = false;
  /** Set by the source while it reads a backlog (see NAP_MS). */
  catchingUp = false;

  constructor(connectionString: string) {
    this.client = new pg.Client({ connectionString, replication: 'database' } as pg.ClientConfig);
    // Until start() installs its handler, a dropped connection must not become an uncaught 'error'.
    this.client.on('error', () => {});
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /**
   * Creates a pgoutput slot exporting a snapshot; the snapshot lives until the next command on this
   * connection. A temporary slot is dropped when the connection ends: one made only for its export.
   */
  async createSlot(slot: string, temporary = false): Promise<{ consistentPoint: string; snapshotName: string }> {
    const res = await this.client.query(`CREATE_REPLICATION_SLOT ${quoteIdent(slot)}${temporary ? ' TEMPORARY' : ''} LOGICAL pgoutput EXPORT_SNAPSHOT`);
    const row = res.rows[0] as { consistent_point: string; snapshot_name: string };
    return { consistentPoint: row.consistent_point, snapshotName: row.snapshot_name };
  }

  /**
   * Streams from the slot; `from` 0 lets the server resume at the slot's confirmed_flush_lsn.
   * Resolves once the server started streaming, or rejects with its reason (no such slot, the slot
   * is in use); after that, the end of the stream goes to `onEnd`, once.
   */
  start(slot: string, publication: string, from: bigint, handlers: ReplicationHandlers): Promise<void> {
    const conn = (this.client as unknown as { connection: { on(ev: string, cb: (m: { chunk: Buffer }) => void): void; once(ev: string, cb: () => void): void } }).connection;
    const stream = (this.client as unknown as { connection: { stream: NodeJS.ReadableStream & { on(ev: 'data', cb: (b: Buffer) => void): void } } }).connection.stream;
    // After pg's own listener has parsed the chunk: see NAP_MS.
    if (napsHelp(stream)) stream.on('data', (b: Buffer) => {
      if (!this.catchingUp || b.length >= NAP_BELOW_BYTES || this.napping || this.held) return;
      this.napping = true;
      stream.pause();
      setTimeout(() => {
        this.napping = false;
        if (!this.held) stream.resume();
      }, NAP_MS);
    });
    conn.on('copyData', ({ chunk }) => {
      const kind = chunk[0];
      if (kind === 0x77 /* w */) handlers.onData(chunk.subarray(25));
      else if (kind === 0x6b /* k */) handlers.onKeepalive(chunk.readBigUInt64BE(1), chunk[17] === 1);
    });
    return new Promise<void>((resolve, reject) => {
      let started = false;
      let ended = false;
      const end = (err: Error | null) => {
        if (ended) return;
        ended = true;
        this.streaming = false;
        if (started) handlers.onEnd(err);
        else reject(err ?? new Error('the replication stream ended before it started'));
      };
      conn.once('replicationStart', () => {
        started = true;
        this.streaming = true;
        resolve();
      });
      // publication_names is a list of identifiers inside a string literal.
      this.client.query(`START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${formatLsn(from)} (proto_version '1', publication_names ${quoteLiteral(quoteIdent(publication))})`).then(
        () => end(null),
        (err: Error) => end(err),
      );
      this.client.on('error', (err) => end(err));
    });
  }

  /**
   * Stops (true) or resumes (false) reading the stream: the walsender then waits on the full
   * socket. Status updates still go out. A hold of more than wal_sender_timeout (60 s by default)
   * ends the connection, as any client that does not read.
   */
  hold(on: boolean): void {
    const stream = (this.client as unknown as { connection: { stream: { pause(): void; resume(): void } } }).connection.stream;
    this.held = on;
    if (on) stream.pause();
    else if (!this.napping) stream.resume();
  }

  /** Standby status update: written, flushed and applied up to `lsn`. */
  confirm(lsn: bigint): void {
    if (!this.streaming) return;
    const buf = Buffer.alloc(34);
    buf[0] = 0x72; // r
    buf.writeBigUInt64BE(lsn, 1);
    buf.writeBigUInt64BE(lsn, 9);
    buf.writeBigUInt64BE(lsn, 17);
    buf.writeBigUInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_US, 25);
    buf[33] = 0;
    const conn = (this.client as unknown as { connection: { sendCopyFromChunk(b: Buffer): void } }).connection;
    try {
      conn.sendCopyFromChunk(buf);
    } catch {
      // the connection is going away; the next one resumes from the slot's confirmed LSN
    }
  }

  async close(): Promise<void> {
    this.streaming = false;
    await this.client.end().catch(() => {});
  }
}
