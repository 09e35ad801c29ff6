/**
 * One client connection: framing, the request header, dispatch to the API handlers, and responses
 * written strictly in request order.
 *
 * Requests on a connection are handled one at a time, as Kafka mutes a socket until its response is
 * sent: a parked Fetch or JoinGroup holds back later requests on the same connection only. Reading
 * pauses while requests queue up, so a client that pipelines cannot grow memory without bound.
 * Anything malformed — a size prefix over the limit (refused before its body is read), a header
 * or body that does not parse, an unknown API key or version — closes this connection and nothing
 * else.
 */
import type { Socket } from 'node:net';
import { KafkaErrorCode } from '../kafka-errors.js';
import { apiHandler, type BrokerContext, type ConnectionState } from './api.js';
import { checkPlainToken } from './sasl-plain.js';
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
}

export class BrokerConnection implements ConnectionState {
  readonly id = nextConnectionId++;
  readonly clientHost: string;
  clientId = '';
  authenticated: boolean;
  saslMechanism: string | null = null;
  saslRawToken = false;
  private readonly abort = new AbortController();
  readonly signal: AbortSignal = this.abort.signal;

  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private queue: Buffer[] = [];
  private busy = false;
  private closed = false;
  private refusal: string | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: BrokerContext,
    private readonly maxRequestBytes: number,
    private readonly onClose: (c: BrokerConnection) => void,
    private readonly stats: BrokerStats,
  ) {
    this.clientHost = socket.remoteAddress ?? '';
    this.authenticated = ctx.settings.users === null;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
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
    this.queue = [];
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

  private onData(chunk: Buffer): void {
    if (this.closed || this.refusal) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= 4) {
      const head = this.pending[0]!.length >= 4 ? this.pending[0]! : this.take(4, false);
      const size = head.readInt32BE(0);
      if (size < 10 || size > this.maxRequestBytes) {
        // Refused from its size prefix alone: the body is never buffered. Requests before it are
        // still answered, then the connection closes.
        this.refuse(`request size ${size} outside [10, ${this.maxRequestBytes}]`);
        return;
      }
      if (this.pendingBytes < 4 + size) break;
      const frame = this.take(4 + size, true).subarray(4);
      this.queue.push(frame);
    }
    if (this.queue.length >= MAX_QUEUED) this.socket.pause();
    void this.drain();
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
        const frame = this.queue.shift()!;
        if (this.queue.length < MAX_QUEUED / 2 && this.socket.isPaused() && !this.refusal) this.socket.resume();
        await this.handle(frame);
      }
    } finally {
      this.busy = false;
    }
    if (this.refusal && !this.closed) this.close(this.refusal);
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

  /** SaslHandshake v0: the frame is the PLAIN token itself; success is an empty frame, failure a close. */
  private rawSaslToken(token: Buffer): void {
    this.saslRawToken = false;
    const failure = checkPlainToken(this.ctx, this, token);
    if (failure) return this.close(failure);
    this.authenticated = true;
    if (!this.closed) this.socket.write(Buffer.alloc(4));
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
