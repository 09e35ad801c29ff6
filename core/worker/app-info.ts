/** What an App tells about what it runs: the management API and the console read these. */
import type { QueryableStore, StoreKind } from './state-manager.js';

/** Where a connector came from (a connect file names its plugin and config; code may too). */
export interface ConnectorMeta {
  /** The connector definition's name (`file`, `postgres-cdc`, …). */
  plugin?: string;
  /** Its config as given (secrets are masked by whoever shows it). */
  config?: Record<string, unknown>;
}

export interface ConnectorInfo extends ConnectorMeta {
  name: string;
  type: 'source' | 'sink';
  /** A source's configured topic (none when every record names its own); a sink's input topics. */
  topics: string[];
  /** A sink's consumer group. */
  groupId?: string;
  /** Kafka Connect's states; STOPPED once the app stopped, UNASSIGNED before it runs, FAILED after its task failed (until restarted). */
  state: 'RUNNING' | 'PAUSED' | 'UNASSIGNED' | 'STOPPED' | 'FAILED';
  /** A FAILED connector's error (its stack), as Kafka Connect's status shows a failed task's trace. */
  trace?: string;
}

export interface PipelineInfo {
  name: string;
  /** The consumer group its tasks commit to. */
  groupId: string;
  inputs: string[];
  outputs: string[];
  /** Changelogs and repartition topics. */
  internalTopics: string[];
}

/** A state store of a running task (interactive queries): what it is, and its read side. */
export interface StoreInfo {
  name: string;
  kind: StoreKind;
  pipeline: string;
  partition: number;
  changelog: string | undefined;
  query: QueryableStore;
}
