/**
 * What the management API works on: a log (any LogClient: the embedded log of `sluice broker`, an
 * app's own client, or Kafka) and, where the server runs inside an app (`sluice run`, `sluice
 * connect`), that app's pipelines and connectors.
 */
import type { LogClient } from '../core/client/types.js';
import type { ConnectorInfo, PipelineInfo, StoreInfo } from '../core/worker/app-info.js';
import type { SourceOffset } from '../core/worker/contracts.js';
import type { MetricsRegistry } from '../core/worker/metrics.js';

/** The part of an App the API uses (App implements it). */
export interface ManagedApp {
  readonly id: string;
  readonly metrics: MetricsRegistry;
  pipelineInfo(): PipelineInfo[];
  connectorInfo(): ConnectorInfo[];
  /** The state stores of its running tasks, each with its read side (interactive queries). */
  storeInfo?(): StoreInfo[];
  pauseConnector(name: string): void;
  resumeConnector(name: string): void;
  restartConnector(name: string): Promise<void>;
  sourceOffsets(name: string): Promise<Map<string, SourceOffset>>;
  /**
   * The DSL's topology as Kafka Streams' TopologyDescription (an App that has it: JSON through
   * toJSON(), Kafka Streams' text through toString()); without it the API shows each pipeline as
   * inputs → pipeline → outputs.
   */
  describe?(): { toJSON(): { subtopologies: DescribedSubtopology[] }; toString(): string };
}

export interface DescribedSubtopology {
  id: number;
  pipeline: string;
  nodes: Array<{ type: 'source' | 'processor' | 'sink'; name: string; topics?: string[]; topic?: string; stores?: string[]; successors?: string[]; predecessors?: string[] }>;
  repartitionTopics: string[];
  changelogTopics: string[];
}

export interface ApiContext {
  client: LogClient;
  app?: ManagedApp;
}
