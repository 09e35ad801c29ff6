/** Consumer-group membership of an app's workers: Kafka's session, heartbeat and rebalance timeouts (the App's and the connect file's `group`). */
import { z } from 'zod';

export const groupOptionsSchema = z
  .object({
    sessionTimeoutMs: z.number().int().min(1000).default(30_000).describe('a worker silent this long is dropped and its tasks move to the others'),
    heartbeatIntervalMs: z.number().int().min(100).default(3_000).describe('how often a worker tells the group it is alive'),
    rebalanceTimeoutMs: z.number().int().min(1000).default(60_000).describe('how long a rebalance waits for every worker to rejoin'),
  })
  .strict();
