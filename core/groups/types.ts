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
  /** Static membership (KIP-345): the member's identity across restarts; null for a dynamic member. */
  groupInstanceId?: string | null;
  /**
   * KIP-394 (JoinGroup v4+): a new dynamic member first gets MEMBER_ID_REQUIRED with its member id
   * and must join again with it.
   */
  requireKnownMemberId?: boolean;
}

export interface JoinGroupResult {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leaderId: string;
  memberId: string;
  /** Filled for the leader only: every member with its metadata for the chosen protocol. */
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
  /** A static leader rejoining a stable group gets the members but must not assign again (JoinGroup v9). */
  skipAssignment: boolean;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** Sent by the leader only. */
  assignments: Array<{ memberId: string; assignment: Buffer }>;
  groupInstanceId?: string | null;
  /** SyncGroup v5+ (KIP-559): checked against the group's when given. */
  protocolType?: string | null;
  protocolName?: string | null;
}

export interface SyncGroupResult {
  errorCode: number;
  assignment: Buffer;
  protocolType: string;
  protocolName: string;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 with memberId '' for a commit outside group membership (admin / simple consumer). */
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
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
  groupInstanceId: string | null;
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
  heartbeat(req: { groupId: string; generationId: number; memberId: string; groupInstanceId?: string | null }): Promise<number>;
  /** A static member may leave by its instance id alone (memberId ''). */
  leaveGroup(req: { groupId: string; memberId: string; groupInstanceId?: string | null }): Promise<number>;
  commitOffsets(req: OffsetCommitRequest): Promise<Array<{ topic: string; partition: number; errorCode: number }>>;
  /** All committed offsets of the group when `partitions` is omitted. */
  fetchOffsets(req: { groupId: string; partitions?: Array<{ topic: string; partition: number }> }): Promise<CommittedOffset[]>;
  describeGroup(groupId: string): Promise<GroupDescriptionRaw>;
  listGroups(): Promise<Array<{ groupId: string; protocolType: string; state: GroupDescriptionRaw['state'] }>>;
  /** Deletes an empty group and its committed offsets: 0, NON_EMPTY_GROUP (68) or GROUP_ID_NOT_FOUND (69). */
  deleteGroup(groupId: string): Promise<number>;
  /**
   * Deletes committed offsets of some partitions (OffsetDelete). The group error is
   * GROUP_ID_NOT_FOUND (69) for an unknown group; a partition of a topic the group's live members
   * are subscribed to gets GROUP_SUBSCRIBED_TO_TOPIC (86) and keeps its offset.
   */
  deleteOffsets(groupId: string, partitions: Array<{ topic: string; partition: number }>): Promise<{ errorCode: number; partitions: Array<{ topic: string; partition: number; errorCode: number }> }>;
  close(): Promise<void>;
}
