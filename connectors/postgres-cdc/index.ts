import type { ConnectorDefinition } from '../../core/worker/contracts.js';
import { postgresCdcConfig } from './config.js';
import { PostgresCdcError, PostgresCdcSource } from './source.js';

export const connectors: ConnectorDefinition[] = [
  { name: 'postgres-cdc', kind: 'source', description: 'change data capture of Postgres tables (logical replication, pgoutput) as Debezium envelopes', config: postgresCdcConfig, create: (c) => new PostgresCdcSource(c) },
];

export { PostgresCdcSource, PostgresCdcError, postgresCdcConfig };
export { UNAVAILABLE as UNAVAILABLE_VALUE } from './values.js';
