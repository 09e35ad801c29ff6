/** The API's answers as the console uses them (docs: /api/openapi.json). */
export interface TopicSummary { name: string; partitions: number; internal: boolean; messages: number; sizeBytes: number }
export interface PartitionInfo { partition: number; logStartOffset: number; highWatermark: number; sizeBytes: number }
export interface TopicDescription { name: string; topicId: string; internal: boolean; partitions: PartitionInfo[]; config: Record<string, string | number>; overrides?: string[] }
export interface RecordView { partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: Record<string, string>; valueFormat: string; size: number }
export interface Browse { records: RecordView[]; nextOffset: number; highWatermark: number; logStartOffset: number }
export interface GroupSummary { groupId: string; state: string; members: number; lag: number }
export interface GroupDescription {
  groupId: string;
  state: string;
  protocol: string;
  members: Array<{ memberId: string; clientId: string; host: string; assignment: Array<{ topic: string; partition: number }> }>;
  offsets: Array<{ topic: string; partition: number; committed: number; endOffset: number; lag: number }>;
}
export interface ConnectorStatus { name: string; connector: { state: string; worker_id: string; trace?: string }; type: 'source' | 'sink' }
export interface ConnectorInfo { name: string; config: Record<string, unknown>; type: 'source' | 'sink' }
export interface Pipeline { name: string; app: string; groupId: string; inputs: string[]; outputs: string[]; internalTopics: string[]; lag: number }
export interface DeadLetter extends RecordView { error: { message: string | null; class: string | null; sourceTopic: string | null; sourcePartition: number | null; sourceOffset: number | null; attempts: number | null } }
export interface LiveSample {
  time: number;
  topics: Array<{ name: string; end: number; rate: number }>;
  groups: Array<{ groupId: string; state: string; members: number; lag: number; rate: number }>;
  connectors: Array<{ name: string; type: string; state: string; rate: number }>;
  pipelines: Array<{ name: string; lag: number; rate: number }>;
  nodes: Array<{ pipeline: string; node: string; records: number; rate: number }>;
}
export interface Info { log: string; app: string | null; connectors: number; pipelines: number }
export interface TopologyNode { type: 'source' | 'processor' | 'sink'; name: string; topics?: string[]; topic?: string; stores?: string[]; successors?: string[]; predecessors?: string[]; records?: number; rate?: number | null }
export interface Subtopology { id: number; pipeline: string; nodes: TopologyNode[]; repartitionTopics: string[]; changelogTopics: string[] }
export interface Topology { app: string | null; detailed: boolean; subtopologies: Subtopology[]; text: string }
export interface StoreSummary { name: string; kind: 'key-value' | 'window' | 'session'; pipeline: string; partitions: number[]; changelog: string | null }
export interface StoreEntry { key: unknown; value: unknown; partition: number; window?: { start: number; end: number } }
export interface StoreEntries { store: string; kind: StoreSummary['kind']; entries: StoreEntry[]; more: boolean }
