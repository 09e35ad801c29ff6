import type { ConnectorDefinition } from '../../core/worker/contracts.js';
import { HttpSink, httpSinkConfig } from './sink.js';
import { HttpSource, httpSourceConfig } from './source.js';

export const connectors: ConnectorDefinition[] = [
  { name: 'http', kind: 'source', description: 'webhook server taking JSON and NDJSON POSTs, answered 200 once the records are durable', config: httpSourceConfig, create: (c) => new HttpSource(c) },
  { name: 'http', kind: 'sink', description: 'batched POSTs of the values with retries, Retry-After, an Idempotency-Key and a DLQ', config: httpSinkConfig, create: (c) => new HttpSink(c) },
];

export { HttpSource, HttpSink, httpSourceConfig, httpSinkConfig };
export { HttpSinkError, MalformedBodyError } from './errors.js';
