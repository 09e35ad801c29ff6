/**
 * Request/response calls over a MessagePort between the thread that owns the embedded log and the
 * threads that run tasks. Structured clone turns a Buffer into a plain Uint8Array, so values are
 * revived into Buffers on arrival; errors travel as their class name and fields and are rebuilt as
 * the same class, so `instanceof OffsetOutOfRangeError` still works on the far side.
 */
import type { MessagePort, TransferListItem } from 'node:worker_threads';
import * as coreErrors from '../../errors.js';
import * as clientErrors from '../../client/errors.js';
import * as logErrors from '../../log/errors.js';

type Message =
  | { t: 'req'; id: number; m: string; a: unknown[] }
  | { t: 'res'; id: number; r: unknown; meta?: unknown }
  | { t: 'err'; id: number; e: WireError }
  | { t: 'ev'; name: string; a: unknown[] };

interface WireError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

const errorClasses = new Map<string, new (...args: never[]) => Error>();
for (const mod of [coreErrors, clientErrors, logErrors] as Array<Record<string, unknown>>) {
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v === 'function' && v.prototype instanceof Error) errorClasses.set(name, v as new (...args: never[]) => Error);
  }
}

function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  return { name: err.name, message: err.message, stack: err.stack, fields };
}

/** The same class when it is one of core's errors (without running its constructor), else a plain Error. */
function fromWireError(w: WireError): Error {
  const cls = errorClasses.get(w.name);
  const err = cls ? (Object.create(cls.prototype) as Error) : new Error(w.message);
  Object.assign(err, w.fields);
  Object.defineProperty(err, 'message', { value: w.message, writable: true, configurable: true });
  Object.defineProperty(err, 'stack', { value: w.stack ?? `${w.name}: ${w.message}`, writable: true, configurable: true });
  if (!cls && w.name !== 'Error') err.name = w.name;
  return err;
}

/** Plain Uint8Arrays (what a Buffer becomes in transit) back into Buffers, in place, anywhere in a value. */
export function reviveBuffers<T>(x: T): T {
  if (x instanceof Uint8Array) return (Buffer.isBuffer(x) ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength)) as T;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = reviveBuffers(x[i]);
    return x;
  }
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = reviveBuffers(o[k]);
  }
  return x;
}

/** A handler's result with buffers to transfer rather than copy. */
export class Transfer<T> {
  constructor(readonly value: T, readonly list: TransferListItem[]) {}
}

export type Handlers = Record<string, (...args: unknown[]) => unknown>;

/**
 * Serves `handlers` on a port. `meta()` is asked after each call and, when it returns something,
 * rides along with the reply (the log's topic list, so the caller's cached metadata stays current).
 */
export function serveRpc(port: MessagePort, handlers: Handlers, meta: () => unknown = () => undefined): void {
  port.on('message', (msg: Message) => {
    if (msg.t !== 'req') return;
    const h = handlers[msg.m];
    const run = async () => {
      if (!h) throw new Error(`no RPC method "${msg.m}"`);
      return h(...reviveBuffers(msg.a));
    };
    run().then(
      (r) => {
        const m = meta();
        if (r instanceof Transfer) port.postMessage({ t: 'res', id: msg.id, r: r.value, meta: m } satisfies Message, r.list);
        else port.postMessage({ t: 'res', id: msg.id, r, meta: m } satisfies Message);
      },
      (e: unknown) => {
        // A closed port (the thread went away) has nobody to tell.
        try {
          port.postMessage({ t: 'err', id: msg.id, e: toWireError(e) } satisfies Message);
        } catch {}
      },
    );
  });
}

/** Sends an event to the other side (no reply). */
export function emitEvent(port: MessagePort, name: string, ...args: unknown[]): void {
  port.postMessage({ t: 'ev', name, a: args } satisfies Message);
}

/** The calling side of a port. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private closed = false;

  constructor(
    private readonly port: MessagePort,
    private readonly onMeta: (meta: unknown) => void,
    private readonly onEvent: (name: string, args: unknown[]) => void = () => {},
  ) {
    port.on('message', (msg: Message) => this.receive(msg));
    port.on('close', () => this.fail(new Error('the log thread closed its port')));
  }

  private receive(msg: Message): void {
    if (msg.t === 'ev') return this.onEvent(msg.name, reviveBuffers(msg.a));
    if (msg.t === 'req') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.t === 'err') return p.reject(fromWireError(msg.e));
    if (msg.meta !== undefined) this.onMeta(msg.meta);
    p.resolve(reviveBuffers(msg.r));
  }

  call<T>(method: string, args: unknown[], transfer: TransferListItem[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the log connection of this thread is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.postMessage({ t: 'req', id, m: method, a: args } satisfies Message, transfer);
    });
  }

  private fail(err: Error): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  close(): void {
    this.fail(new Error('the log connection of this thread is closed'));
    this.port.close();
  }
}
