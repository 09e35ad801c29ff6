/** P3's app: orders joined with payments within 10 s. Built the same way in one thread or in task threads. */
import type { LogClient } from '../../core/client/types.js';
import { app } from '../../processors/streams-app.js';
import { silentLogger } from '../../core/worker/logger.js';
import type { ThreadContext } from '../../core/worker/threads/threaded-app.js';
import { join, string, to } from '../../processors/index.js';

export function p3App(log: LogClient) {
  const a = app({ id: 'p3', log, logger: silentLogger, batch: { maxRecords: 20_000, maxWaitMs: 20 } });
  a.stream<string, { id: number; amount: number }>('orders', { key: string() }).pipe(
    join({ topic: 'payments', key: string() }, (o: { id: number; amount: number }, pay: { paid: boolean }) => ({ id: o.id, amount: o.amount, paid: pay.paid }), { within: '10s', name: 'orders-payments' }),
    to('paid-orders', { key: string() }),
  );
  return a;
}

export default ({ log }: ThreadContext) => p3App(log);
