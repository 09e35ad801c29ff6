/**
 * The group coordinator: Kafka's classic group protocol over the embedded log. One instance per
 * LogEngine (see `coordinatorFor`), shared by EmbeddedClient consumers and the broker, so
 * in-process and remote members of a group are members of the same group.
 *
 * States (as Kafka's GroupCoordinator): Empty → PreparingRebalance (a join or a leave started a
 * rebalance; members must rejoin) → CompletingRebalance (generation bumped, waiting for the
 * leader's SyncGroup) → Stable. Session timers expire members that stop heartbeating; a pending
 * join waits at most the rebalance timeout for the other members.
 */
import { randomUUID } from 'node:crypto';
import { LogStorageError } from '../errors.js';
import { KafkaErrorCode } from '../kafka-errors.js';
import type { LogEngine } from '../log/types.js';
import { decodeMemberMetadata } from './consumer-protocol.js';
import { OffsetStore } from './offset-store.js';
import type {
  CommittedOffset,
  GroupCoordinator,
  GroupDescriptionRaw,
  JoinGroupRequest,
  JoinGroupResult,
  OffsetCommitRequest,
  SyncGroupRequest,
  SyncGroupResult,
} from './types.js';

type State = GroupDescriptionRaw['state'];

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
  assignment: Buffer;
  sessionTimer?: NodeJS.Timeout;
  pendingJoin?: (r: JoinGroupResult) => void;
  pendingSync?: (r: SyncGroupResult) => void;
}

interface Group {
  id: string;
  state: State;
  generation: number;
  protocolType: string;
  protocol: string;
  leaderId: string;
  members: Map<string, Member>;
  /** Static members: group.instance.id → current member id (KIP-345). */
  statics: Map<string, string>;
  /** KIP-394: member ids handed out with MEMBER_ID_REQUIRED, waiting for their second join. */
  pending: Map<string, NodeJS.Timeout>;
  joinTimer?: NodeJS.Timeout;
  /** Listeners told when a rebalance starts (in-process consumers stop waiting for data). */
  listeners: Set<() => void>;
}

const EMPTY: Buffer = Buffer.alloc(0);

/** Kafka's group-coordinator settings that Sluice implements, under their Kafka meaning. */
export interface CoordinatorSettings {
  /** offset.metadata.max.bytes: a commit's metadata over this gets OFFSET_METADATA_TOO_LARGE. Kafka's default 4096. */
  offsetMetadataMaxBytes: number;
  /** offsets.retention.minutes, in ms: offsets of a group without members expire this long after their commit. Kafka's default 7 days. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms: how often expiry runs (checked as commits arrive). Kafka's default 10 minutes. */
  offsetsRetentionCheckIntervalMs: number;
}

export const defaultCoordinatorSettings: CoordinatorSettings = {
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 3600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
};

export class EmbeddedGroupCoordinator implements GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private closed = false;
  private settings: CoordinatorSettings = { ...defaultCoordinatorSettings };
  private lastExpiry = 0;
  private expiring: Promise<void> | null = null;

  private constructor(
    private readonly engine: LogEngine,
    private readonly offsets: OffsetStore,
  ) {}

  static async open(engine: LogEngine): Promise<EmbeddedGroupCoordinator> {
    const c = new EmbeddedGroupCoordinator(engine, await OffsetStore.open(engine));
    await c.expireOffsets();
    return c;
  }

  /** Changes settings (the broker passes its own); takes effect for the next commit and expiry. */
  configure(settings: Partial<CoordinatorSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** Drops offsets of groups without members committed longer ago than the retention (KIP-211, simplified per offset). */
  async expireOffsets(): Promise<void> {
    const now = this.engine.clock.now();
    this.lastExpiry = now;
    const idle = this.offsets.groups().filter((id) => (this.groups.get(id)?.members.size ?? 0) === 0);
    const n = await this.offsets.expire(idle, now - this.settings.offsetsRetentionMs);
    if (n > 0) this.engine.logger.info('expired committed offsets', { offsets: n, retentionMs: this.settings.offsetsRetentionMs });
    for (const id of idle) {
      const g = this.groups.get(id);
      if (g) this.forgetIfUnused(g);
    }
  }

  private maybeExpire(): void {
    if (this.expiring || this.engine.clock.now() - this.lastExpiry < this.settings.offsetsRetentionCheckIntervalMs) return;
    this.expiring = this.expireOffsets()
      .catch((err) => this.engine.logger.warn('offset expiry failed; retried later', { error: String(err) }))
      .finally(() => (this.expiring = null));
  }

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) {
      g = { id, state: 'Empty', generation: 0, protocolType: '', protocol: '', leaderId: '', members: new Map(), statics: new Map(), pending: new Map(), listeners: new Set() };
      this.groups.set(id, g);
    }
    return g;
  }

  /** Registers a callback run whenever a rebalance of `groupId` starts; returns an unsubscribe. */
  onRebalance(groupId: string, cb: () => void): () => void {
    const g = this.group(groupId);
    g.listeners.add(cb);
    return () => g.listeners.delete(cb);
  }

  async joinGroup(req: JoinGroupRequest, signal?: AbortSignal): Promise<JoinGroupResult> {
    const fail = (errorCode: number, memberId = req.memberId): JoinGroupResult => ({ errorCode, generationId: -1, protocolName: '', leaderId: '', memberId, members: [], skipAssignment: false });
    if (!req.groupId) return fail(KafkaErrorCode.INVALID_GROUP_ID);
    if (req.sessionTimeoutMs < 1000 || req.sessionTimeoutMs > 3_600_000) return fail(KafkaErrorCode.INVALID_SESSION_TIMEOUT);
    const g = this.group(req.groupId);
    if (g.members.size > 0 && g.protocolType !== req.protocolType) return fail(KafkaErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (g.members.size > 0 && !req.protocols.some((p) => this.allSupport(g, p.name, req.memberId))) return fail(KafkaErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const instanceId = req.groupInstanceId ?? null;
    const newMember = (memberId: string): Member => {
      const m: Member = {
        memberId,
        groupInstanceId: instanceId,
        clientId: req.clientId,
        clientHost: req.clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
        assignment: EMPTY,
      };
      g.members.set(memberId, m);
      if (instanceId !== null) g.statics.set(instanceId, memberId);
      return m;
    };
    let member: Member | undefined;
    const known = instanceId !== null ? g.statics.get(instanceId) : undefined;
    if (instanceId !== null && known !== undefined && req.memberId === '') {
      // A static member restarting: it takes over its old place under a new member id, and the
      // old id is fenced. A stable group whose protocols it still matches does not rebalance.
      const replaced = this.replaceStatic(g, known, `${instanceId}-${randomUUID()}`, req);
      if (replaced.immediate) return replaced.immediate;
      member = replaced.member;
    } else if (instanceId !== null && known !== undefined) {
      if (known !== req.memberId) return fail(KafkaErrorCode.FENCED_INSTANCE_ID);
      member = g.members.get(known)!;
    } else if (req.memberId) {
      member = g.members.get(req.memberId);
      if (!member) {
        const pending = g.pending.get(req.memberId);
        if (pending === undefined || instanceId !== null) return fail(KafkaErrorCode.UNKNOWN_MEMBER_ID);
        clearTimeout(pending);
        g.pending.delete(req.memberId);
        member = newMember(req.memberId);
      }
    } else {
      const memberId = `${instanceId ?? (req.clientId || 'member')}-${randomUUID()}`;
      if (instanceId === null && req.requireKnownMemberId) {
        // KIP-394: the id is handed out first; it becomes a member when it joins again with it
        // within its session timeout.
        const timer = setTimeout(() => g.pending.delete(memberId), req.sessionTimeoutMs);
        timer.unref();
        g.pending.set(memberId, timer);
        return fail(KafkaErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      member = newMember(memberId);
    }
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = Math.max(req.rebalanceTimeoutMs, req.sessionTimeoutMs);
    member.protocols = req.protocols;
    member.protocolType = req.protocolType;
    g.protocolType = req.protocolType;
    // A pending join replaces its session timer: the rebalance timeout bounds the wait instead.
    this.clearSession(member);
    const m = member;
    const result = new Promise<JoinGroupResult>((resolve) => {
      m.pendingJoin?.(fail(KafkaErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
      m.pendingJoin = resolve;
    });
    // Abandoning a pending join (its connection closed) removes the member; once the join is
    // answered the listener goes, so a long-lived connection that rejoins often does not pile them up.
    const onAbort = () => this.removeMember(g, m);
    signal?.addEventListener('abort', onAbort, { once: true });
    void result.finally(() => signal?.removeEventListener('abort', onAbort));
    if (g.state !== 'PreparingRebalance') this.prepareRebalance(g);
    this.maybeCompleteJoin(g);
    return result;
  }

  /**
   * Moves a static member to a new member id; the old id's pending join or sync is answered with
   * FENCED_INSTANCE_ID. Returns an immediate answer when the group is stable and the member's
   * protocols are unchanged (no rebalance, as Kafka does for a restarted static member).
   */
  private replaceStatic(g: Group, oldId: string, newId: string, req: JoinGroupRequest): { member: Member; immediate?: JoinGroupResult } {
    const m = g.members.get(oldId)!;
    const fenced = { errorCode: KafkaErrorCode.FENCED_INSTANCE_ID, generationId: -1, protocolName: '', leaderId: '', memberId: oldId, members: [], skipAssignment: false };
    m.pendingJoin?.(fenced);
    m.pendingJoin = undefined;
    m.pendingSync?.({ errorCode: KafkaErrorCode.FENCED_INSTANCE_ID, assignment: EMPTY, protocolType: '', protocolName: '' });
    m.pendingSync = undefined;
    const sameProtocols = m.protocols.length === req.protocols.length && m.protocols.every((p, i) => p.name === req.protocols[i]!.name && p.metadata.equals(req.protocols[i]!.metadata));
    g.members.delete(oldId);
    m.memberId = newId;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    g.members.set(newId, m);
    g.statics.set(m.groupInstanceId!, newId);
    if (g.leaderId === oldId) g.leaderId = newId;
    if (g.state !== 'Stable' || !sameProtocols) return { member: m };
    m.sessionTimeoutMs = req.sessionTimeoutMs;
    m.rebalanceTimeoutMs = Math.max(req.rebalanceTimeoutMs, req.sessionTimeoutMs);
    this.touchSession(g, m);
    const leader = newId === g.leaderId;
    return {
      member: m,
      immediate: {
        errorCode: 0,
        generationId: g.generation,
        protocolName: g.protocol,
        leaderId: g.leaderId,
        memberId: newId,
        members: leader ? this.memberList(g) : [],
        skipAssignment: leader,
      },
    };
  }

  private memberList(g: Group): JoinGroupResult['members'] {
    return [...g.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.protocols.find((p) => p.name === g.protocol)?.metadata ?? EMPTY }));
  }

  /** KIP-345: a request naming a static instance must come from its current member id. */
  private fencedStatic(g: Group | undefined, memberId: string, instanceId: string | null | undefined): boolean {
    if (!g || instanceId === null || instanceId === undefined) return false;
    const current = g.statics.get(instanceId);
    return current !== undefined && current !== memberId;
  }

  private allSupport(g: Group, protocol: string, except: string): boolean {
    for (const m of g.members.values()) if (m.memberId !== except && !m.protocols.some((p) => p.name === protocol)) return false;
    return true;
  }

  private prepareRebalance(g: Group): void {
    // Members waiting for a sync of the old generation must rejoin.
    for (const m of g.members.values()) {
      if (m.pendingSync) {
        const cb = m.pendingSync;
        m.pendingSync = undefined;
        cb({ errorCode: KafkaErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY, protocolType: '', protocolName: '' });
      }
    }
    g.state = 'PreparingRebalance';
    const timeout = Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    clearTimeout(g.joinTimer);
    g.joinTimer = setTimeout(() => this.completeJoin(g), timeout);
    g.joinTimer.unref();
    for (const cb of g.listeners) cb();
  }

  private maybeCompleteJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    for (const m of g.members.values()) if (!m.pendingJoin) return;
    this.completeJoin(g);
  }

  private completeJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    clearTimeout(g.joinTimer);
    // Members that did not rejoin within the rebalance timeout are out.
    for (const m of [...g.members.values()]) if (!m.pendingJoin) this.dropMember(g, m);
    if (g.members.size === 0) {
      g.state = 'Empty';
      g.generation++;
      g.protocol = '';
      g.leaderId = '';
      this.forgetIfUnused(g);
      return;
    }
    g.generation++;
    if (!g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value!;
    const leader = g.members.get(g.leaderId)!;
    g.protocol = leader.protocols.find((p) => this.allSupport(g, p.name, ''))?.name ?? leader.protocols[0]?.name ?? '';
    g.state = 'CompletingRebalance';
    const all = this.memberList(g);
    for (const m of g.members.values()) {
      m.assignment = EMPTY;
      const resolve = m.pendingJoin!;
      m.pendingJoin = undefined;
      this.touchSession(g, m);
      resolve({
        errorCode: 0,
        generationId: g.generation,
        protocolName: g.protocol,
        leaderId: g.leaderId,
        memberId: m.memberId,
        members: m.memberId === g.leaderId ? all : [],
        skipAssignment: false,
      });
    }
  }

  async syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    const g = this.groups.get(req.groupId);
    const m = g?.members.get(req.memberId);
    const answer = (errorCode: number, assignment: Buffer = EMPTY): SyncGroupResult => ({ errorCode, assignment, protocolType: g?.protocolType ?? '', protocolName: g?.protocol ?? '' });
    if (this.fencedStatic(g, req.memberId, req.groupInstanceId)) return answer(KafkaErrorCode.FENCED_INSTANCE_ID);
    if (!g || !m) return answer(KafkaErrorCode.UNKNOWN_MEMBER_ID);
    if ((req.protocolType != null && req.protocolType !== g.protocolType) || (req.protocolName != null && req.protocolName !== g.protocol)) {
      return answer(KafkaErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (req.generationId !== g.generation) return answer(KafkaErrorCode.ILLEGAL_GENERATION);
    if (g.state === 'PreparingRebalance') return answer(KafkaErrorCode.REBALANCE_IN_PROGRESS);
    this.touchSession(g, m);
    if (g.state === 'Stable') return answer(0, m.assignment);
    const result = new Promise<SyncGroupResult>((resolve) => {
      m.pendingSync = resolve;
    });
    if (req.memberId === g.leaderId) {
      for (const a of req.assignments) {
        const target = g.members.get(a.memberId);
        if (target) target.assignment = a.assignment;
      }
      g.state = 'Stable';
      for (const member of g.members.values()) {
        if (!member.pendingSync) continue;
        const cb = member.pendingSync;
        member.pendingSync = undefined;
        cb(answer(0, member.assignment));
      }
    }
    return result;
  }

  async heartbeat(req: { groupId: string; generationId: number; memberId: string; groupInstanceId?: string | null }): Promise<number> {
    const g = this.groups.get(req.groupId);
    const m = g?.members.get(req.memberId);
    if (this.fencedStatic(g, req.memberId, req.groupInstanceId)) return KafkaErrorCode.FENCED_INSTANCE_ID;
    if (!g || !m) return KafkaErrorCode.UNKNOWN_MEMBER_ID;
    if (g.state === 'PreparingRebalance') {
      this.touchSession(g, m);
      return KafkaErrorCode.REBALANCE_IN_PROGRESS;
    }
    if (req.generationId !== g.generation) return KafkaErrorCode.ILLEGAL_GENERATION;
    this.touchSession(g, m);
    return 0;
  }

  async leaveGroup(req: { groupId: string; memberId: string; groupInstanceId?: string | null }): Promise<number> {
    const g = this.groups.get(req.groupId);
    const instanceId = req.groupInstanceId ?? null;
    if (g && instanceId !== null && req.memberId !== '' && this.fencedStatic(g, req.memberId, instanceId)) return KafkaErrorCode.FENCED_INSTANCE_ID;
    const memberId = instanceId !== null && req.memberId === '' ? (g?.statics.get(instanceId) ?? '') : req.memberId;
    const m = g?.members.get(memberId);
    if (!g || !m) return KafkaErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(g, m);
    return 0;
  }

  private removeMember(g: Group, m: Member): void {
    if (g.members.get(m.memberId) !== m) return;
    this.dropMember(g, m);
    m.pendingJoin?.({ errorCode: KafkaErrorCode.UNKNOWN_MEMBER_ID, generationId: -1, protocolName: '', leaderId: '', memberId: m.memberId, members: [], skipAssignment: false });
    m.pendingJoin = undefined;
    m.pendingSync?.({ errorCode: KafkaErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY, protocolType: '', protocolName: '' });
    m.pendingSync = undefined;
    if (g.members.size === 0) {
      clearTimeout(g.joinTimer);
      g.state = 'Empty';
      g.generation++;
      g.leaderId = '';
      g.protocol = '';
      this.forgetIfUnused(g);
      return;
    }
    if (g.state === 'PreparingRebalance') this.maybeCompleteJoin(g);
    else this.prepareRebalance(g);
  }

  /**
   * An empty group with no committed offsets and nobody listening is forgotten, as Kafka removes
   * dead groups: clients inventing group ids must not grow the coordinator without bound.
   */
  private forgetIfUnused(g: Group): void {
    if (g.members.size === 0 && g.pending.size === 0 && g.listeners.size === 0 && !this.offsets.hasGroup(g.id) && this.groups.get(g.id) === g) this.groups.delete(g.id);
  }

  private dropMember(g: Group, m: Member): void {
    this.clearSession(m);
    g.members.delete(m.memberId);
    if (m.groupInstanceId !== null && g.statics.get(m.groupInstanceId) === m.memberId) g.statics.delete(m.groupInstanceId);
  }

  private touchSession(g: Group, m: Member): void {
    this.clearSession(m);
    if (this.closed) return;
    m.sessionTimer = setTimeout(() => {
      if (!m.pendingJoin) this.removeMember(g, m);
    }, m.sessionTimeoutMs);
    m.sessionTimer.unref();
  }

  private clearSession(m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    m.sessionTimer = undefined;
  }

  /**
   * Commits what it can: each offset is checked on its own (metadata size, the partition exists)
   * and gets its own error code; a disk that refuses the write answers KAFKA_STORAGE_ERROR for
   * the offsets of that write instead of throwing.
   */
  async commitOffsets(req: OffsetCommitRequest): Promise<Array<{ topic: string; partition: number; errorCode: number }>> {
    const each = (errorCode: number) => req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode }));
    if (!req.groupId) return each(KafkaErrorCode.INVALID_GROUP_ID);
    // No group is made for a commit: clients inventing group ids must not grow the coordinator.
    const g = this.groups.get(req.groupId);
    if (this.fencedStatic(g, req.memberId, req.groupInstanceId)) return each(KafkaErrorCode.FENCED_INSTANCE_ID);
    if (req.generationId < 0) {
      // Commits outside membership (admin tools, simple consumers) only while nobody is a member.
      if (g && g.members.size > 0) return each(KafkaErrorCode.UNKNOWN_MEMBER_ID);
    } else {
      const m = g?.members.get(req.memberId);
      if (!g || !m) return each(KafkaErrorCode.UNKNOWN_MEMBER_ID);
      if (req.generationId !== g.generation) return each(KafkaErrorCode.ILLEGAL_GENERATION);
      // As Kafka: commits of the current generation are accepted while a rebalance is being
      // prepared (members commit before rejoining), not while the new generation is forming.
      if (g.state === 'CompletingRebalance') return each(KafkaErrorCode.REBALANCE_IN_PROGRESS);
      this.touchSession(g, m);
    }
    const results = req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, errorCode: this.checkCommit(o) as number }));
    const accepted = req.offsets.filter((_, i) => results[i]!.errorCode === 0);
    try {
      await this.offsets.commit(req.groupId, accepted);
    } catch (err) {
      if (!(err instanceof LogStorageError)) throw err;
      this.engine.logger.error('offset commit failed: the disk refused the write', { group: req.groupId, error: err.message });
      for (const r of results) if (r.errorCode === 0) r.errorCode = KafkaErrorCode.KAFKA_STORAGE_ERROR;
    }
    this.maybeExpire();
    return results;
  }

  private checkCommit(o: { topic: string; partition: number; metadata?: string | null }): number {
    if (o.metadata && Buffer.byteLength(o.metadata, 'utf8') > this.settings.offsetMetadataMaxBytes) return KafkaErrorCode.OFFSET_METADATA_TOO_LARGE;
    if (!this.engine.hasTopic(o.topic) || !Number.isInteger(o.partition) || o.partition < 0 || o.partition >= this.engine.partitionCount(o.topic)) return KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return 0;
  }

  async fetchOffsets(req: { groupId: string; partitions?: Array<{ topic: string; partition: number }> }): Promise<CommittedOffset[]> {
    return this.offsets.fetch(req.groupId, req.partitions);
  }

  async describeGroup(groupId: string): Promise<GroupDescriptionRaw> {
    const g = this.groups.get(groupId);
    if (!g) {
      return { groupId, errorCode: 0, state: this.offsets.hasGroup(groupId) ? 'Empty' : 'Dead', protocolType: '', protocol: '', members: [] };
    }
    return {
      groupId,
      errorCode: 0,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find((p) => p.name === g.protocol)?.metadata ?? EMPTY,
        assignment: m.assignment,
      })),
    };
  }

  async listGroups(): Promise<Array<{ groupId: string; protocolType: string; state: GroupDescriptionRaw['state'] }>> {
    const out = new Map<string, { protocolType: string; state: GroupDescriptionRaw['state'] }>();
    for (const id of this.offsets.groups()) out.set(id, { protocolType: 'consumer', state: 'Empty' });
    for (const g of this.groups.values()) {
      if (g.members.size > 0 || out.has(g.id)) out.set(g.id, { protocolType: g.protocolType || 'consumer', state: g.members.size > 0 ? g.state : 'Empty' });
    }
    return [...out].map(([groupId, v]) => ({ groupId, ...v }));
  }

  async deleteGroup(groupId: string): Promise<number> {
    const g = this.groups.get(groupId);
    if (g && g.members.size > 0) return KafkaErrorCode.NON_EMPTY_GROUP;
    if (!g && !this.offsets.hasGroup(groupId)) return KafkaErrorCode.GROUP_ID_NOT_FOUND;
    await this.offsets.deleteGroup(groupId);
    if (g) {
      for (const t of g.pending.values()) clearTimeout(t);
      g.pending.clear();
      this.forgetIfUnused(g);
    }
    return 0;
  }

  async deleteOffsets(groupId: string, partitions: Array<{ topic: string; partition: number }>): Promise<{ errorCode: number; partitions: Array<{ topic: string; partition: number; errorCode: number }> }> {
    const g = this.groups.get(groupId);
    if (!g && !this.offsets.hasGroup(groupId)) return { errorCode: KafkaErrorCode.GROUP_ID_NOT_FOUND, partitions: [] };
    // Topics the live members subscribe to (consumer groups only: other protocols are opaque).
    const subscribed = new Set<string>();
    if (g && g.members.size > 0 && g.protocolType === 'consumer') {
      for (const m of g.members.values()) {
        const meta = m.protocols.find((p) => p.name === g.protocol)?.metadata ?? m.protocols[0]?.metadata;
        try {
          if (meta) for (const t of decodeMemberMetadata(meta).topics) subscribed.add(t);
        } catch {
          // not ConsumerProtocol bytes: nothing known to be subscribed
        }
      }
    }
    const results = partitions.map((p) => ({ ...p, errorCode: subscribed.has(p.topic) ? KafkaErrorCode.GROUP_SUBSCRIBED_TO_TOPIC : 0 }));
    await this.offsets.delete(groupId, results.filter((r) => r.errorCode === 0));
    return { errorCode: 0, partitions: results };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const g of this.groups.values()) {
      clearTimeout(g.joinTimer);
      for (const m of g.members.values()) {
        this.clearSession(m);
        m.pendingJoin?.({ errorCode: KafkaErrorCode.COORDINATOR_NOT_AVAILABLE, generationId: -1, protocolName: '', leaderId: '', memberId: m.memberId, members: [], skipAssignment: false });
        m.pendingSync?.({ errorCode: KafkaErrorCode.COORDINATOR_NOT_AVAILABLE, assignment: EMPTY, protocolType: '', protocolName: '' });
      }
      for (const t of g.pending.values()) clearTimeout(t);
    }
    this.groups.clear();
  }
}

const coordinators = new WeakMap<LogEngine, Promise<EmbeddedGroupCoordinator>>();

/** The one coordinator of an engine (created on first use). */
export function coordinatorFor(engine: LogEngine): Promise<EmbeddedGroupCoordinator> {
  let c = coordinators.get(engine);
  if (!c) {
    c = EmbeddedGroupCoordinator.open(engine);
    coordinators.set(engine, c);
  }
  return c;
}
