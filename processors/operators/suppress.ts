/**
 * suppress: holds back the updates of an aggregation and emits a key's latest result later, as
 * Kafka Streams' KTable#suppress (KTableSuppressProcessor over its time-ordered buffer):
 *
 *   windowed(tumbling('1m', { grace: '10s' })), count(), suppress(untilWindowCloses()), to('out')
 *   count(), suppress(untilTimeLimit('5s', { maxRecords: 1000 })), to('out')
 *
 * - its stream time is the largest timestamp of the results it receives (not the task's);
 * - each key (a windowed key: key and window) is buffered once, its value replaced by every
 *   update, its place in the buffer kept (non-resetting): buffer time is the window's end for
 *   untilWindowCloses, the first update's timestamp for untilTimeLimit;
 * - after each result, buffered keys are emitted, earliest buffer time first (then key), while
 *   buffer time <= stream time − wait, where wait is the window's grace (tumbling and hopping),
 *   gap + grace (session) or the time limit. Sliding and session windows include their end, so
 *   they are held until end + wait < stream time, when no record can change them (Kafka compares
 *   their end as if it were exclusive, and can emit a window before a last update);
 * - a key emitted carries its latest value, timestamp and headers; untilWindowCloses drops
 *   retractions (null values: a merged session), untilTimeLimit forwards them;
 * - buffer limits (maxRecords, maxBytes): over a limit, 'emit-early' emits the earliest keys
 *   until within it; 'shut-down' fails the batch (the app stops; nothing is committed). An entry
 *   counts 8 bytes plus the UTF-8 bytes of its key's and value's JSON text and of its headers.
 *   untilWindowCloses only shuts down (Kafka's StrictBufferConfig): emitting early would emit
 *   results that are not final;
 * - the buffer is logged to the changelog `<app>-<store>-changelog` at the end of each batch and
 *   restored from it when the task starts.
 */
import type { OperatorFunction } from 'rxjs';
import type { TaskContext } from '../../core/worker/contracts.js';
import { InvalidConfigError, SluiceError } from '../../core/errors.js';
import { afterRestore, recordOperator } from '../operator.js';
import { markOperator, type BindContext, type SluiceOperator } from '../sluice-op.js';
import { changelogTopic, logChanges, readChangelog } from '../stores/changelog.js';
import { registerStore } from '../stores/registry.js';
import type { Rec, Windowed } from '../types.js';
import { toMs, type Duration } from '../windows/duration.js';
import type { WindowDef } from '../windows/window-def.js';

/** Buffer limits (Kafka's BufferConfig): unbounded unless one is given. */
export interface SuppressBuffer {
  maxRecords?: number;
  maxBytes?: number;
  /** Over a limit: emit the earliest keys early (default for untilTimeLimit), or fail the app. */
  whenFull?: 'emit-early' | 'shut-down';
}

export type SuppressConfig =
  | { until: 'window-closes'; buffer: Required<SuppressBuffer> }
  | { until: 'time-limit'; wait: number; buffer: Required<SuppressBuffer> };

/** A suppress buffer over its limits with whenFull: 'shut-down'. */
export class SuppressBufferFullError extends SluiceError {
  constructor(store: string, records: number, maxRecords: number, bytes: number, maxBytes: number) {
    super('SUPPRESS_BUFFER_FULL', `suppress buffer "${store}" exceeded its limits: ${records}/${maxRecords} records, ${bytes}/${maxBytes} bytes. Raise maxRecords/maxBytes, or use untilTimeLimit(…, { whenFull: 'emit-early' }) to emit early instead of stopping`);
  }
}

function limits(buffer: SuppressBuffer, whenFull: 'emit-early' | 'shut-down'): Required<SuppressBuffer> {
  const count = (n: number | undefined, what: string) => {
    if (n === undefined) return Infinity;
    if (!(n >= 0)) throw new InvalidConfigError(`suppress buffer ${what} must be a non-negative number, got ${n}`);
    return n;
  };
  return { maxRecords: count(buffer.maxRecords, 'maxRecords'), maxBytes: count(buffer.maxBytes, 'maxBytes'), whenFull: buffer.whenFull ?? whenFull };
}

/** Final results only: a window's result once it closes (end + grace <= stream time). */
export function untilWindowCloses(buffer: Omit<SuppressBuffer, 'whenFull'> & { whenFull?: 'shut-down' } = {}): SuppressConfig {
  if ((buffer as SuppressBuffer).whenFull === 'emit-early') throw new InvalidConfigError("suppress(untilWindowCloses()) cannot emit early (its results would not be final): use whenFull: 'shut-down' or untilTimeLimit");
  return { until: 'window-closes', buffer: limits(buffer, 'shut-down') };
}

/** A key's latest result `wait` after its first update (or earlier, when the buffer is full). */
export function untilTimeLimit(wait: Duration, buffer: SuppressBuffer = {}): SuppressConfig {
  return { until: 'time-limit', wait: toMs(wait, 'suppress time limit'), buffer: limits(buffer, 'emit-early') };
}

interface Entry<K, V> {
  keyJson: string;
  /** Buffer time: where the key sits in the buffer (kept when its value is replaced). */
  time: number;
  record: Rec<K, V>;
  bytes: number;
}

const TIME_KEY = '"__streamTime"';

/** How long a window's results wait after its end, and whether that end is inclusive. */
function windowWait(b: BindContext): { wait: number; inclusive: boolean } {
  const w: WindowDef | undefined = b.upstreamWindow;
  if (!w) throw new InvalidConfigError(`suppress(untilWindowCloses()) "${b.name}" must follow a windowed aggregation in the same pipe (windowed(…), count()/reduce()/aggregate(), suppress(…))`);
  if (w.type === 'session') return { wait: w.gap + w.grace, inclusive: true };
  if (w.type === 'sliding') return { wait: w.grace, inclusive: true };
  return { wait: w.grace, inclusive: false };
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

export function suppress<K, V>(config: SuppressConfig, opts: { name?: string } = {}): SluiceOperator<Rec<K, V>, Rec<K, V>> {
  return markOperator<Rec<K, V>, Rec<K, V>>({
    kind: 'stateful',
    storeName: opts.name,
    stores: (b) => {
      if (config.until === 'window-closes') windowWait(b); // refused when the pipe is defined
      return [changelogTopic(b.appId, b.name)];
    },
    bind: (b, ctx) => suppressOperator<K, V>(b, ctx, config) as OperatorFunction<never, unknown>,
  });
}

function suppressOperator<K, V>(b: BindContext, ctx: TaskContext, config: SuppressConfig): OperatorFunction<Rec<K, V>, Rec<K, V>> {
  const topic = changelogTopic(b.appId, b.name);
  const finalResults = config.until === 'window-closes';
  const { wait, inclusive } = finalResults ? windowWait(b) : { wait: config.wait, inclusive: false };
  const { maxRecords, maxBytes, whenFull } = config.buffer;
  const byKey = new Map<string, Entry<K, V>>();
  // Buffer times in ascending order, each with its keys (emitted by key text).
  const times: number[] = [];
  const atTime = new Map<number, Set<string>>();
  let bytes = 0;
  let streamTime = -Infinity;
  let streamTimeDirty = false;
  let overflow: SuppressBufferFullError | null = null;
  const changed = new Set<string>();
  const emitted = ctx.metrics.counter('sluice_suppress_emitted_total', 'results a suppress let through', { store: b.name });
  registerStore(ctx, b.name, () => [...byKey.values()].map((e) => [e.record.key, e.record.value]));

  const sizeOf = (keyJson: string, r: Rec<K, V>) => {
    let n = 8 + byteLength(keyJson) + (r.value === null || r.value === undefined ? 0 : byteLength(JSON.stringify(r.value)));
    for (const [h, v] of Object.entries(r.headers)) n += byteLength(h) + v.length;
    return n;
  };
  const add = (e: Entry<K, V>) => {
    byKey.set(e.keyJson, e);
    let keys = atTime.get(e.time);
    if (!keys) {
      atTime.set(e.time, (keys = new Set()));
      let i = times.length;
      while (i > 0 && times[i - 1]! > e.time) i--;
      times.splice(i, 0, e.time);
    }
    keys.add(e.keyJson);
    bytes += e.bytes;
  };
  const put = (r: Rec<K, V>) => {
    const keyJson = JSON.stringify(r.key);
    const size = sizeOf(keyJson, r);
    const old = byKey.get(keyJson);
    changed.add(keyJson);
    if (old) {
      // Non-resetting: the key keeps its place; only the value (and its context) change.
      bytes += size - old.bytes;
      old.record = r;
      old.bytes = size;
      return;
    }
    const w = (r.key as unknown as Windowed<unknown>).window;
    const time = finalResults ? (w ? w.end + (inclusive ? 1 : 0) : NaN) : r.timestamp;
    if (Number.isNaN(time)) throw new InvalidConfigError(`suppress(untilWindowCloses()) "${b.name}" got a record whose key has no window: it must follow a windowed aggregation`);
    add({ keyJson, time, record: r, bytes: size });
  };
  /** Takes the earliest entry (by buffer time, then key) out of the buffer. */
  const takeEarliest = (): Entry<K, V> => {
    const time = times[0]!;
    const keys = atTime.get(time)!;
    let first: string | undefined;
    for (const k of keys) if (first === undefined || k < first) first = k;
    keys.delete(first!);
    if (keys.size === 0) {
      atTime.delete(time);
      times.shift();
    }
    const e = byKey.get(first!)!;
    byKey.delete(first!);
    bytes -= e.bytes;
    changed.add(first!);
    return e;
  };
  const evict = (emit: (r: Rec<K, V>) => void) => {
    const e = takeEarliest();
    // Final results drop retractions (Kafka's safeToDropTombstones).
    if (finalResults && (e.record.value === null || e.record.value === undefined)) return;
    emitted.inc();
    emit(e.record);
  };
  const overCapacity = () => byKey.size > maxRecords || bytes > maxBytes;

  const restore = readChangelog(ctx, topic).then((entries) => {
    for (const [k, v] of entries) {
      if (v === null) continue;
      if (k === TIME_KEY) {
        streamTime = Number(v.toString('utf8'));
        continue;
      }
      const s = JSON.parse(v.toString('utf8')) as { time: number; key: K; value: V; ts: number; headers: Record<string, string>; topic: string; partition: number; offset: number };
      const headers: Record<string, Buffer> = {};
      for (const [h, b64] of Object.entries(s.headers)) headers[h] = Buffer.from(b64, 'base64');
      const record: Rec<K, V> = { key: s.key, value: s.value, timestamp: s.ts, headers, topic: s.topic, partition: s.partition, offset: s.offset };
      add({ keyJson: k, time: s.time, record, bytes: sizeOf(k, record) });
    }
  });

  const op = recordOperator<Rec<K, V>, Rec<K, V>>(ctx, {
    next(r, emit) {
      if (r.timestamp > streamTime) {
        streamTime = r.timestamp;
        streamTimeDirty = true;
      }
      put(r);
      const expiry = streamTime - wait;
      while (times.length > 0 && times[0]! <= expiry) evict(emit);
      if (overCapacity()) {
        if (whenFull === 'emit-early') while (overCapacity()) evict(emit);
        else overflow ??= new SuppressBufferFullError(b.name, byKey.size, maxRecords, bytes, maxBytes);
      }
    },
    complete() {
      // Shutting down fails the batch: nothing it did is committed, and the app stops.
      if (overflow) throw overflow;
      const changes: Array<[string, string | null]> = [];
      for (const keyJson of changed) {
        const e = byKey.get(keyJson);
        if (!e) {
          changes.push([keyJson, null]);
          continue;
        }
        const headers: Record<string, string> = {};
        for (const [h, v] of Object.entries(e.record.headers)) headers[h] = v.toString('base64');
        const { key, value, timestamp: ts, topic: t, partition, offset } = e.record;
        changes.push([keyJson, JSON.stringify({ time: e.time, key, value, ts, headers, topic: t, partition, offset })]);
      }
      changed.clear();
      if (streamTimeDirty) changes.push([TIME_KEY, String(streamTime)]);
      streamTimeDirty = false;
      logChanges(ctx, topic, changes);
    },
  });
  return afterRestore(restore, op);
}
