import type { ConnectorDefinition } from '../../core/worker/contracts.js';
import { RedisSink, redisSinkConfig } from './sink.js';

export const connectors: ConnectorDefinition[] = [
  { name: 'redis', kind: 'sink', description: 'materializes a table into Redis strings or hashes (DEL on tombstone), one MULTI pipeline per batch', config: redisSinkConfig, create: (c) => new RedisSink(c) },
];

export { RedisSink, redisSinkConfig };
export { RedisRecordError, RedisSinkError } from './errors.js';
export { compileKeyTemplate } from './key-template.js';
