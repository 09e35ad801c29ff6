/**
 * One client connection: framing, the request header, dispatch to the API handlers, and responses
 * written strictly in request order.
 *
 * Memory a client can make the broker hold is bounded:
 * - Requests are handled one at a time, as Kafka mutes a socket until its response is sent: a
 *   parked Fetch or JoinGroup holds back later requests on the same connection only.
 * - Reading stops while requests wait (MAX_QUEUED of them, or MAX_QUEUED_BYTES), while a
 *   response waits for the client to read it (write backpressure: a client that sends Fetches
 *   and never reads gets one response buffered, not thousands), and while the broker's request
 *   memory (request-memory.ts, Kafka's queued.max.request.bytes) is spent.
 * - Before SASL authentication a request may not be larger than maxPreAuthBytes (Kafka's
 *   sasl.server.max.receive.size, 512 KB), so an unauthenticated client cannot make the broker
 *   buffer a 100 MiB frame.
 * - A connection with no traffic for idleMs (connections.max.idle.ms) is closed.
 *
 * Anything malformed — a size prefix over the limit (refused before its body is read), a header
 * or body that does not parse, an unknown API key or version — closes this connection and nothing
 * else. A failed authentication closes it after failedAuthDelayMs.
 *
 * The connection works on any net.Socket (a TLS socket is one), so a TLS listener only changes
 * how server.ts accepts it.
 */
import type { Socket } from 'node:net';
import { KafkaErrorCode } from '../kafka-errors.js';
import { apiHandler, type BrokerContext, type ConnectionState } from './api.js';
import type { RequestMemory } from './request-memory.js';
import { saslStep } from './sasl-exchange.js';
import type { ScramServer } from './scram.js';
import { FrameError, Reader, Writer } from './wire.js';

/** Skips a tagged-field section (the request header v2 has one; no header tag is used here). */
function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

const API_VERSIONS_KEY = 18;
/** Requests read ahead of the one being handled before the socket is paused. */
const MAX_QUEUED = 32;
/** Bytes of requests read ahead before the socket is paused (one larger request still comes in whole). */
const MAX_QUEUED_BYTES = 1024 * 1024;

let nextConnectionId = 1;

/** Counters over all connections of a broker (read by tests and the broker's status line). */
export interface BrokerStats {
  requests: number;
  /** Requests read per API key (those whose header parsed). */
  byKey: Record<number, number>;
  /** Requests read per "key:version" (which versions real clients pick). */
  byVersion: Record<string, number>;
  /** Connections the broker closed because of a malformed, oversized or unsupported frame. */
  refused: number;
  /** Connections refused at accept (max.connections, max.connections.per.ip). */
  rejectedConnections: number;
  /** Connections closed for being idle longer than connections.max.idle.ms. */
  idleClosed: number;
  /** Failed SASL authentications. */
  authFailures: number;
}

export interface ConnectionLimits {
  maxRequestBytes: number;
  /** Largest request before authentication (only when SASL is on). */
  maxPreAuthBytes: number;
  idleMs: number;
  failedAuthDelayMs: number;
}

interface Frame {
  buf: Buffer;
  /** Bytes reserved for it in the broker's request memory. */
  reserved: number;
}

export class BrokerConnection implements ConnectionState {
  readonly id = nextConnectionId++;
  readonly clientHost: string;
  clientId = '';
  authenticated: boolean;
  saslMechanism: string | null = null;
  saslRawToken = false;
  principal: string | null = null;
  scram: ScramServer | null = null;
  private readonly abort = new AbortController();
  readonly signal: AbortSignal = this.abort.signal;

  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The size of the frame being received (its memory reserved), or -1 before its prefix. */
  private expected = -1;
  private queue: Frame[] = [];
  private queuedBytes = 0;
  private busy = false;
  private closed = false;
  private refusal: string | null = null;
  /** Waiting for request memory: the cancel of that wait. */
  private memoryWait: (() => void) | null = null;
  private waitingDrain = false;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: BrokerContext,
    private readonly limits: ConnectionLimits,
    private readonly memory: RequestMemory,
    private readonly onClose: (c: BrokerConnection) => void,
    private readonly stats: BrokerStats,
  ) {
    this.clientHost = socket.remoteAddress ?? '';
    this.authenticated = ctx.settings.users === null;
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs);
    socket.on('timeout', () => {
      this.stats.idleClosed++;
      this.close(`idle for ${limits.idleMs} ms (connections.max.idle.ms)`);
    });
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('drain', () => {
      this.waitingDrain = false;
      this.updateReading();
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /**
   * Closes the connection. Responses already written are flushed first (end, then destroy), so a
   * client sees the answers to every request before the one that was refused; nothing more is read.
   */
  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (reason) this.stats.refused++;
    if (reason) this.ctx.logger.debug('broker: closing connection', { connection: this.id, client: this.clientId, reason });
    this.abort.abort();
    this.memoryWait?.();
    this.memoryWait = null;
    if (this.expected >= 0) this.memory.release(this.expected);
    this.expected = -1;
    for (const f of this.queue) this.memory.release(f.reserved);
    this.queue = [];
    this.queuedBytes = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.socket.pause();
    if (this.socket.destroyed) this.onClose(this);
    else {
      this.socket.end(() => this.socket.destroy());
      // A peer that never reads must not keep the socket open.
      setTimeout(() => this.socket.destroy(), 1000).unref();
      this.onClose(this);
    }
  }

  private get frameLimit(): number {
    return this.authenticated ? this.limits.maxRequestBytes : Math.min(this.limits.maxRequestBytes, this.limits.maxPreAuthBytes);
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.refusal) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.parse();
  }

  /** Cuts whole frames off the pending bytes, reserving each one's memory from its size prefix on. */
  private parse(): void {
    while (!this.closed && !this.refusal && this.memoryWait === null) {
      if (this.expected < 0) {
        if (this.pendingBytes < 4) break;
        const head = this.pending[0]!.length >= 4 ? this.pending[0]! : this.take(4, false);
        const size = head.readInt32BE(0);
        const limit = this.frameLimit;
        if (size < 10 || size > limit) {
          // Refused from its size prefix alone: the body is never buffered. Requests before it are
          // still answered, then the connection closes.
          const why = !this.authenticated && size <= this.limits.maxRequestBytes ? ' before authentication (sasl.server.max.receive.size)' : '';
          this.refuse(`request size ${size} outside [10, ${limit}]${why}`);
          return;
        }
        if (!this.memory.tryReserve(size)) {
          this.memoryWait = this.memory.wait(size, () => {
            this.memoryWait = null;
            this.expected = size;
            this.parse();
            this.updateReading();
          });
          break;
        }
        this.expected = size;
      }
      if (this.pendingBytes < 4 + this.expected) break;
      const buf = this.take(4 + this.expected, true).subarray(4);
      this.queue.push({ buf, reserved: this.expected });
      this.queuedBytes += buf.length;
      this.expected = -1;
    }
    this.updateReading();
    void this.drain();
  }

  /** Reads only while nothing makes it wait: a full queue, an unread response, spent request memory. */
  private updateReading(): void {
    if (this.closed) return;
    const read = !this.refusal && this.memoryWait === null && !this.waitingDrain && this.queue.length < MAX_QUEUED && this.queuedBytes < MAX_QUEUED_BYTES;
    if (read && this.socket.isPaused()) this.socket.resume();
    else if (!read && !this.socket.isPaused()) this.socket.pause();
  }

  /** Stops reading; the connection closes once the requests already queued are answered. */
  private refuse(reason: string): void {
    this.refusal = reason;
    this.pending = [];
    this.pendingBytes = 0;
    this.socket.pause();
    if (this.queue.length === 0 && !this.busy) this.close(reason);
    else void this.drain();
  }

  /** The first n pending bytes as one buffer; consumed when `consume`. */
  private take(n: number, consume: boolean): Buffer {
    const first = this.pending[0]!;
    let out: Buffer;
    if (first.length >= n) out = first.subarray(0, n);
    else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      for (const p of this.pending) {
        const len = Math.min(p.length, n - off);
        p.copy(out, off, 0, len);
        off += len;
        if (off === n) break;
      }
    }
    if (consume) {
      let left = n;
      while (left > 0) {
        const p = this.pending[0]!;
        if (p.length <= left) {
          left -= p.length;
          this.pending.shift();
        } else {
          this.pending[0] = p.subarray(left);
          left = 0;
        }
      }
      this.pendingBytes -= n;
    }
    return out;
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        // The previous response is not read yet: handle nothing more until it is (Kafka mutes the channel).
        if (this.socket.writableNeedDrain) await this.writable();
        if (this.closed) break;
        const frame = this.queue.shift()!;
        this.queuedBytes -= frame.buf.length;
        this.updateReading();
        try {
          await this.handle(frame.buf);
        } finally {
          this.memory.release(frame.reserved);
        }
      }
    } finally {
      this.busy = false;
    }
    if (this.refusal && !this.closed && this.queue.length === 0) this.close(this.refusal);
  }

  /** Resolves when the socket's buffered output is written (or the connection closes). */
  private writable(): Promise<void> {
    this.waitingDrain = true;
    this.updateReading();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.saslRawToken) return this.rawSaslToken(frame);
    let correlationId = 0;
    try {
      const r = new Reader(frame);
      const key = r.int16();
      const version = r.int16();
      correlationId = r.int32();
      const clientId = r.nullableString();
      if (clientId) this.clientId = clientId;
      this.stats.requests++;
      this.stats.byKey[key] = (this.stats.byKey[key] ?? 0) + 1;
      const kv = `${key}:${version}`;
      this.stats.byVersion[kv] = (this.stats.byVersion[kv] ?? 0) + 1;
      const handler = apiHandler(key);
      if (!handler) return this.close(`unknown API key ${key}`);
      const { schema } = handler;
      if (version < schema.minVersion || version > schema.maxVersion) {
        if (key === API_VERSIONS_KEY) return this.send(correlationId, unsupportedApiVersions(schema.minVersion, schema.maxVersion), false);
        return this.close(`${schema.name} v${version} is not supported (${schema.minVersion}–${schema.maxVersion})`);
      }
      if (!this.authenticated && !handler.beforeAuth) return this.close(`${schema.name} before SASL authentication`);
      // Flexible versions use request header v2 (tagged fields after the client id) and response
      // header v1 (a tagged-field section after the correlation id), except ApiVersions, whose
      // response header stays v0 so that any client can read it.
      const flexible = version >= schema.flexibleFrom;
      if (flexible) skipTaggedFields(r);
      const request = schema.request.read(r, version);
      const response = await handler.handle(request, version, this.ctx, this);
      if (response) this.send(correlationId, schema.response.write(new Writer(), response, version), flexible && key !== API_VERSIONS_KEY);
    } catch (err) {
      if (err instanceof FrameError) return this.close(err.message);
      this.ctx.logger.warn('broker: request failed', { connection: this.id, correlationId, error: String(err) });
      this.close(String(err));
    }
  }

  async authenticationFailed(reason: string): Promise<void> {
    this.stats.authFailures++;
    this.authenticated = false;
    // Nothing more is read; the answer goes out after the delay, then the connection closes.
    this.refusal = `authentication failed: ${reason}`;
    this.socket.pause();
    if (this.limits.failedAuthDelayMs > 0) await new Promise((r) => setTimeout(r, this.limits.failedAuthDelayMs));
  }

  /**
   * SaslHandshake v0: the frame is a SASL token itself, answered with a size-prefixed frame of the
   * reply (empty for PLAIN); SCRAM takes two. A failure closes the connection (after the delay).
   */
  private async rawSaslToken(token: Buffer): Promise<void> {
    const step = saslStep(this.ctx, this, token);
    if ('failure' in step) {
      this.saslRawToken = false;
      await this.authenticationFailed(step.failure);
      return;
    }
    if (step.done) this.saslRawToken = false;
    if (this.closed) return;
    const head = Buffer.allocUnsafe(4);
    head.writeInt32BE(step.reply.length, 0);
    this.socket.write(step.reply.length ? Buffer.concat([head, step.reply]) : head);
  }

  private send(correlationId: number, body: Writer, headerTags: boolean): void {
    if (this.closed) return;
    const chunks = body.finish();
    const headSize = headerTags ? 9 : 8;
    let size = headSize - 4;
    for (const c of chunks) size += c.length;
    const head = Buffer.allocUnsafe(headSize);
    head.writeInt32BE(size, 0);
    head.writeInt32BE(correlationId, 4);
    if (headerTags) head[8] = 0; // no tagged fields
    this.socket.cork();
    this.socket.write(head);
    for (const c of chunks) this.socket.write(c);
    this.socket.uncork();
  }
}

/** Kafka's answer to an ApiVersions version it does not know: a v0 body, error 35, its own range. */
function unsupportedApiVersions(min: number, max: number): Writer {
  return new Writer()
    .int16(KafkaErrorCode.UNSUPPORTED_VERSION)
    .array([0], (w) => w.int16(API_VERSIONS_KEY).int16(min).int16(max));
}
