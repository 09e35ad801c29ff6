/**
 * Activity monitoring: counts actions per user in 5 s tumbling windows (1 s grace) over a stream
 * of user actions, emitting each window once when it closes.
 *
 *   user-actions  { userId, action: hover|move|idle|click, ts }
 *     → filter out idle → group by user (repartition) → tumbling 5 s, grace 1 s → count (final)
 *     → actions-per-user-5s   key { key: userId, window: { start, end } }, value: count
 */
import { filter } from 'rxjs';
import type { LogClient } from '../../core/client/types.js';
import { app, type App } from '../../processors/streams-app.js';
import { count, groupByKey, json, string, to, tumbling, windowed } from '../../processors/index.js';
import type { Logger } from '../../core/log/types.js';
import { silentLogger } from '../../core/worker/logger.js';
import type { ThreadContext } from '../../core/worker/threads/threaded-app.js';

export interface UserAction {
  userId: string;
  action: 'hover' | 'move' | 'idle' | 'click';
  ts: number;
}

export const INPUT = 'user-actions';
export const OUTPUT = 'actions-per-user-5s';

export function activityMonitor(log: LogClient, opts: { logger?: Logger } = {}): App {
  const a = app({ id: 'activity-monitor', log, logger: opts.logger, batch: { maxRecords: 20_000, maxWaitMs: 50 } });
  a.stream<string, UserAction>(INPUT, { key: string(), value: json<UserAction>(), timestamp: (e) => e.ts }).pipe(
    filter((r) => r.value.action !== 'idle'),
    groupByKey((r) => r.value.userId, { name: 'by-user' }),
    windowed(tumbling('5s', { grace: '1s' })),
    count({ emit: 'final', name: 'counts-5s' }),
    to(OUTPUT),
  );
  return a;
}

/** The same app built in each task thread of a threadedApp (`sluice demo --threads N`). */
export const threaded = ({ log }: ThreadContext): App => activityMonitor(log, { logger: silentLogger });
