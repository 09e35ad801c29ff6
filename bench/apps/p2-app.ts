/**
 * P2's app: counts per user in 5 s tumbling windows, final results. Built the same way whether
 * it runs in the benchmark's own thread or in task threads (threadedApp).
 */
import type { LogClient } from '../../core/client/types.js';
import { app } from '../../processors/streams-app.js';
import { silentLogger } from '../../core/worker/logger.js';
import type { ThreadContext } from '../../core/worker/threads/threaded-app.js';
import { count, groupByKey, string, to, tumbling, windowed, type StoreBackendOptions } from '../../processors/index.js';

export const SIZE = 5000;

export function p2App(log: LogClient, grace: number, store?: StoreBackendOptions) {
  const a = app({ id: 'p2', log, logger: silentLogger, batch: { maxRecords: 50_000, maxWaitMs: 20, maxBytesPerPartition: 8 * 1024 * 1024 } });
  // Event time is the record's timestamp (the producer sets it to the event's ts, as Kafka
  // producers do): nothing reads the values, so they are never decoded (a count reads none).
  a.stream<string, { userId: string; ts: number }>('events', { key: string() }).pipe(
    groupByKey(), // the topic is keyed by userId already: no repartition
    windowed(tumbling(SIZE, { grace })),
    count({ emit: 'final', name: 'counts', store }),
    to('counts-out'),
  );
  return a;
}

export default ({ log, data }: ThreadContext) => p2App(log, (data as { grace: number }).grace);
