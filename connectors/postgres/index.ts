import type { ConnectorDefinition } from '../../core/worker/contracts.js';
import { postgresSinkConfig } from './config.js';
import { PostgresSink } from './sink.js';

export const connectors: ConnectorDefinition[] = [
  { name: 'postgres', kind: 'sink', description: 'keeps a Postgres table equal to a topic: upserts and deletes by primary key, one transaction per batch', config: postgresSinkConfig, create: (c) => new PostgresSink(c) },
];

export { PostgresSink, postgresSinkConfig };
export { PostgresRecordError, PostgresSinkError } from './errors.js';
