import type { ConnectorDefinition } from '../../core/worker/contracts.js';
import { postgresCdcConfig } from './config.js';
import { PostgresCdcError, PostgresCdcSlotLostError } from './errors.js';
import { PostgresCdcSource } from './source.js';

export const connectors: ConnectorDefinition[] = [
  { name: 'postgres-cdc', kind: 'source', ownTopics: 'records go to <topicPrefix>.<schema>.<table>; set config.topicPrefix', description: 'change data capture of Postgres tables (logical replication, pgoutput) as Debezium envelopes', config: postgresCdcConfig, create: (c) => new PostgresCdcSource(c) },
];

export { PostgresCdcSource, PostgresCdcError, PostgresCdcSlotLostError, postgresCdcConfig };
export { UNAVAILABLE as UNAVAILABLE_VALUE } from './values.js';
