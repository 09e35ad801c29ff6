/** A real worker Task over a real (in-memory) EmbeddedClient, for tests of stores and operators. */
import type { LogClient } from '../../core/client/types.js';
import { errorPolicySchema } from '../../core/worker/error-policy.js';
import { silentLogger } from '../../core/worker/logger.js';
import { MetricsRegistry } from '../../core/worker/metrics.js';
import { Task } from '../../core/worker/task.js';

export function testTask(client: LogClient, appId: string, partition = 0): Task {
  return new Task({ name: 'p', inputs: ['x'], build: () => (s) => s }, partition, {
    appId,
    client,
    producer: client.producer(),
    internalProducer: client.producer({ owner: appId }),
    logger: silentLogger,
    metrics: new MetricsRegistry(),
    policy: errorPolicySchema.parse({}),
    signal: new AbortController().signal,
  });
}
