import type { ConnectorDefinition } from '../../core/worker/contracts.js';
import { FileSink, fileSinkConfig } from './sink.js';
import { FileSource, fileSourceConfig } from './source.js';

export const connectors: ConnectorDefinition[] = [
  { name: 'file', kind: 'source', description: 'tails files matching a glob (lines, JSONL, CSV)', config: fileSourceConfig, create: (c) => new FileSource(c) },
  { name: 'file', kind: 'sink', description: 'writes JSON lines per topic, fsynced, rotated by size and time', config: fileSinkConfig, create: (c) => new FileSink(c) },
];

export { FileSource, FileSink, fileSourceConfig, fileSinkConfig };
