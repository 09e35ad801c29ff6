/**
 * Shared pieces of the conformance suite: each case feeds records through the public DSL and
 * TestDriver and compares the outputs with what Kafka Streams' rule (stated in the case) gives,
 * worked out by hand in the case itself, never from Sluice's own output.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect } from 'vitest';
import { TestDriver, type OutputRecord, type StoreBackendOptions } from '../../../processors/index.js';
import { deleteKeysWithPrefix } from '../../../processors/stores/redis-util.js';

export interface Ev {
  user: string;
  ts: number;
  /** A label that the cases use to tell records apart. */
  id?: string;
}

/** A record of user `user` at event time `ts`, keyed by the user. */
export const ev = (user: string, ts: number, id?: string) => ({ key: user, value: { user, ts, id }, timestamp: ts });

/** A windowed result as `key@[start,end]=value@timestamp` (the window's end as the record gives it). */
export function windowRow(r: OutputRecord): string {
  const k = r.key as { key: string; window: { start: number; end: number } };
  return `${k.key}@${k.window.start},${k.window.end}=${JSON.stringify(r.value)}@${r.timestamp}`;
}

/** Feeds records one per batch (as one-record polls would bring them). */
export async function feedEach(d: TestDriver, topic: string, records: Array<{ key: unknown; value: unknown; timestamp: number }>): Promise<void> {
  for (const r of records) await d.pipeInput(topic, [r]);
}

export const late = (d: TestDriver) => d.metrics.total('sluice_late_records_total');

export type Backend = 'memory' | 'redis';
export const BACKENDS: Backend[] = ['memory', 'redis'];

/**
 * Store options for a backend, for suites whose cases run on both: memory, or a real Redis on
 * 127.0.0.1:6379 under a key prefix of the case's own, deleted after each case. Call once at
 * the top of a test file (it registers the clean-up).
 */
export function storeBackends(): { on(backend: Backend): StoreBackendOptions } {
  let redis: Redis | undefined;
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const p of prefixes.splice(0)) {
      await deleteKeysWithPrefix(redis!, p);
      expect(await redis!.keys(`${p}*`)).toEqual([]);
    }
  });
  afterAll(async () => {
    await redis?.quit();
  });
  return {
    on(backend) {
      if (backend === 'memory') return {};
      redis ??= new Redis('redis://127.0.0.1:6379');
      const prefix = `conformance-${randomUUID()}:`;
      prefixes.push(prefix);
      return { backend: 'redis', redis, prefix };
    },
  };
}
