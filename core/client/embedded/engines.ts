/**
 * One LogEngine per data directory per process, shared by every EmbeddedClient opened on it
 * (reference counted): two apps in one process on one directory see the same log and the same
 * group coordinator, as two processes would through a broker.
 */
import path from 'node:path';
import { openLog } from '../../log/engine.js';
import type { LogEngine, OpenLogOptions } from '../../log/types.js';

const shared = new Map<string, { engine: Promise<LogEngine>; refs: number }>();

export function acquireEngine(opts: OpenLogOptions): { engine: Promise<LogEngine>; release: () => Promise<void> } {
  if (opts.memory || !opts.dataDir) {
    const engine = openLog(opts);
    return { engine, release: async () => (await engine).close() };
  }
  const key = path.resolve(opts.dataDir);
  let entry = shared.get(key);
  if (!entry) {
    entry = { engine: openLog(opts), refs: 0 };
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
