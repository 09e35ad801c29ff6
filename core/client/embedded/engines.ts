/**
 * One LogEngine per data directory per process, shared by every EmbeddedClient opened on it
 * (reference counted): two apps in one process on one directory see the same log and the same
 * group coordinator, as two processes would through a broker. Sharing needs the same options: a
 * second `embedded({ dataDir })` asking for another flush policy, maintenance interval, topic
 * defaults or clock is refused, rather than silently getting the first caller's.
 */
import path from 'node:path';
import { InvalidConfigError } from '../../errors.js';
import { openLog } from '../../log/engine.js';
import type { LogEngine, OpenLogOptions } from '../../log/types.js';

interface Shared {
  engine: Promise<LogEngine>;
  refs: number;
  options: OpenLogOptions;
}

const shared = new Map<string, Shared>();

/** The options that change how the engine behaves, with the engine's defaults (core/log/engine.ts) filled in. */
function effective(o: OpenLogOptions): Record<string, unknown> {
  return {
    flush: o.flush ?? 'always',
    maintenanceIntervalMs: o.maintenanceIntervalMs ?? 30_000,
    topicDefaults: Object.fromEntries(Object.entries(o.topicDefaults ?? {}).sort(([a], [b]) => a.localeCompare(b))),
  };
}

function mismatch(dir: string, first: OpenLogOptions, second: OpenLogOptions): InvalidConfigError | null {
  const a = effective(first);
  const b = effective(second);
  const differ = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  if (first.clock !== second.clock) differ.push('clock');
  if (differ.length === 0) return null;
  const show = (o: Record<string, unknown>, k: string) => (k === 'clock' ? 'another clock' : JSON.stringify(o[k]));
  return new InvalidConfigError(
    `the data directory ${dir} is already open in this process with other options (${differ.map((k) => `${k}: ${show(a, k)}, asked ${show(b, k)}`).join('; ')}); ` +
      'open it with the same options, or share the first client',
  );
}

export function acquireEngine(opts: OpenLogOptions): { engine: Promise<LogEngine>; release: () => Promise<void> } {
  if (opts.memory || !opts.dataDir) {
    const engine = openLog(opts);
    return { engine, release: async () => (await engine).close() };
  }
  const key = path.resolve(opts.dataDir);
  let entry = shared.get(key);
  if (entry) {
    const err = mismatch(key, entry.options, opts);
    if (err) throw err;
  } else {
    entry = { engine: openLog(opts), refs: 0, options: opts };
    shared.set(key, entry);
    entry.engine.catch(() => shared.delete(key));
  }
  entry.refs++;
  const e = entry;
  let released = false;
  return {
    engine: e.engine,
    release: async () => {
      if (released) return;
      released = true;
      if (--e.refs > 0) return;
      shared.delete(key);
      await (await e.engine).close();
    },
  };
}
