/** Admin over the embedded log and its group coordinator. */
import { TopicExistsError } from '../../errors.js';
import { KafkaErrorCode } from '../../kafka-errors.js';
import { GroupNotEmptyError, UnknownGroupError } from '../errors.js';
import { decodeMemberAssignment } from '../../groups/consumer-protocol.js';
import type { EmbeddedGroupCoordinator } from '../../groups/coordinator.js';
import type { LogEngine, OffsetSpec, TopicConfig, TopicDescription } from '../../log/types.js';
import type { GroupDescription, LogAdmin, TopicPartitionOffset } from '../types.js';

export class EmbeddedAdmin implements LogAdmin {
  constructor(private readonly deps: () => Promise<{ engine: LogEngine; coordinator: EmbeddedGroupCoordinator }>) {}

  async createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<boolean> {
    const { engine } = await this.deps();
    try {
      await engine.createTopic(name, opts);
      return true;
    } catch (err) {
      if (err instanceof TopicExistsError) return false;
      throw err;
    }
  }

  async listTopics(): Promise<string[]> {
    return (await this.deps()).engine.listTopics();
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    return (await this.deps()).engine.describeTopic(name);
  }

  async deleteTopic(name: string): Promise<void> {
    await (await this.deps()).engine.deleteTopic(name);
  }

  async listOffsets(topic: string, spec: OffsetSpec): Promise<Array<{ partition: number; offset: number; timestamp: number }>> {
    const { engine } = await this.deps();
    const n = engine.partitionCount(topic);
    return Promise.all(Array.from({ length: n }, async (_, partition) => ({ partition, ...(await engine.listOffset(topic, partition, spec)) })));
  }

  async listGroups(): Promise<string[]> {
    const { coordinator } = await this.deps();
    return (await coordinator.listGroups()).map((g) => g.groupId).sort();
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const { engine, coordinator } = await this.deps();
    const raw = await coordinator.describeGroup(groupId);
    const committed = await coordinator.fetchOffsets({ groupId });
    const members = raw.members.map((m) => {
      let assignment: Array<{ topic: string; partition: number }> = [];
      if (raw.protocolType === 'consumer' || raw.protocolType === '') {
        try {
          const a = decodeMemberAssignment(m.assignment).assignment;
          assignment = Object.entries(a).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
        } catch {
          // not ConsumerProtocol bytes (another protocol type): show no partitions
        }
      }
      return { memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment };
    });
    const offsets = committed
      .filter((c) => engine.hasTopic(c.topic) && c.partition < engine.partitionCount(c.topic))
      .map((c) => {
        const end = engine.describeTopic(c.topic).partitions[c.partition]!.highWatermark;
        return { topic: c.topic, partition: c.partition, committed: c.offset, endOffset: end, lag: Math.max(0, end - c.offset) };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return { groupId, state: raw.state, protocol: raw.protocol, members, offsets };
  }

  async alterTopicConfig(name: string, changes: Record<string, string | null>): Promise<TopicConfig> {
    const { engine } = await this.deps();
    // The engine replaces a topic's own config (AlterConfigs); an incremental change keeps the rest.
    const d = engine.describeTopic(name);
    const own: Record<string, string> = Object.fromEntries((d.overrides ?? []).map((k) => [k, String(d.config[k as keyof TopicConfig])]));
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete own[k];
      else own[k] = v;
    }
    return (await engine.alterTopicConfig(name, own)).config;
  }

  async createPartitions(name: string, total: number): Promise<void> {
    await (await this.deps()).engine.createPartitions(name, total);
  }

  async setGroupOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    const { coordinator } = await this.deps();
    const members = (await coordinator.describeGroup(groupId)).members.length;
    if (members > 0) throw new GroupNotEmptyError(groupId, members);
    const res = await coordinator.commitOffsets({ groupId, generationId: -1, memberId: '', offsets });
    // A member that joined between the check and the commit makes the coordinator refuse it.
    if (res.some((r) => r.errorCode !== 0)) throw new GroupNotEmptyError(groupId, (await coordinator.describeGroup(groupId)).members.length);
  }

  async deleteGroup(groupId: string): Promise<void> {
    const { coordinator } = await this.deps();
    const code = await coordinator.deleteGroup(groupId);
    if (code === KafkaErrorCode.NON_EMPTY_GROUP) throw new GroupNotEmptyError(groupId, (await coordinator.describeGroup(groupId)).members.length);
    if (code === KafkaErrorCode.GROUP_ID_NOT_FOUND) throw new UnknownGroupError(groupId);
  }
}
