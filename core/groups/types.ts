/**
 * The group coordinator contract: Kafka's classic consumer-group protocol (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups). One coordinator
 * instance per LogEngine is shared by the EmbeddedClient and the broker, so in-process consumers
 * and kafkajs/librdkafka/kafka-python consumers of one group are members of the same group.
 * Results carry Kafka error codes (core/kafka-errors.ts) rather than throwing, as the broker
 * writes them straight into responses. Member metadata and assignments are opaque bytes here
 * (ConsumerProtocol encoding, decoded only for describe/lag).
 */
export interface JoinGroupRequest {
  groupId: string;
  /** '' for a new member. */
  memberId: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
}

export interface JoinGroupResult {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leaderId: string;
  memberId: string;
  /** Filled for the leader only: every member with its metadata for the chosen protocol. */
  members: Array<{ memberId: string; metadata: Buffer }>;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** Sent by the leader only. */
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface SyncGroupResult {
  errorCode: number;
  assignment: Buffer;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 with memberId '' for a commit outside group membership (admin / simple consumer). */
  generationId: number;
  memberId: string;
  offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string | null }>;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  offset: number;
  metadata: string | null;
}

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  clientHost: string;
  metadata: Buffer;
  assignment: Buffer;
}

export interface GroupDescriptionRaw {
  groupId: string;
  errorCode: number;
  state: 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';
  protocolType: string;
  protocol: string;
  members: GroupMemberDescription[];
}

export interface GroupCoordinator {
  /** Resolves when the join phase completes (all known members rejoined, or the rebalance timeout passed). */
  joinGroup(req: JoinGroupRequest, signal?: AbortSignal): Promise<JoinGroupResult>;
  /** Followers' calls resolve when the leader's assignment arrives. */
  syncGroup(req: SyncGroupRequest, signal?: AbortSignal): Promise<SyncGroupResult>;
  heartbeat(req: { groupId: string; generationId: number; memberId: string }): Promise<number>;
  leaveGroup(req: { groupId: string; memberId: string }): Promise<number>;
  commitOffsets(req: OffsetCommitRequest): Promise<Array<{ topic: string; partition: number; errorCode: number }>>;
  /** All committed offsets of the group when `partitions` is omitted. */
  fetchOffsets(req: { groupId: string; partitions?: Array<{ topic: string; partition: number }> }): Promise<CommittedOffset[]>;
  describeGroup(groupId: string): Promise<GroupDescriptionRaw>;
  listGroups(): Promise<Array<{ groupId: string; protocolType: string }>>;
  /** Kafka's DeleteGroups: each group with its error code (NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND when unknown). */
  deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>>;
  close(): Promise<void>;
}
