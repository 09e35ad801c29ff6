/**
 * Partition assignors, run by the group leader. `RoundRobinAssigner` is kafkajs's (same name and
 * result, so mixed groups agree whichever member leads); `sluice-copartitioned` gives partition p
 * of every subscribed topic to one member, which tasks over co-partitioned inputs need.
 */
import type { Assignment } from './consumer-protocol.js';

export interface AssignorInput {
  members: Array<{ memberId: string; topics: string[] }>;
  /** Partition count per topic. */
  partitions: (topic: string) => number;
}

export interface Assignor {
  name: string;
  assign(input: AssignorInput): Map<string, Assignment>;
}

function allTopics(members: AssignorInput['members']): string[] {
  const seen = new Set<string>();
  for (const m of members) for (const t of m.topics) seen.add(t);
  return [...seen];
}

export const roundRobinAssignor: Assignor = {
  name: 'RoundRobinAssigner',
  assign({ members, partitions }) {
    const sorted = members.map((m) => m.memberId).sort();
    const out = new Map<string, Assignment>(sorted.map((id) => [id, {}]));
    let i = 0;
    for (const topic of allTopics(members)) {
      const n = partitions(topic);
      for (let p = 0; p < n; p++) {
        const member = sorted[i++ % sorted.length]!;
        const a = out.get(member)!;
        (a[topic] ??= []).push(p);
      }
    }
    return out;
  },
};

export const copartitionedAssignor: Assignor = {
  name: 'sluice-copartitioned',
  assign({ members, partitions }) {
    const sorted = members.map((m) => m.memberId).sort();
    const out = new Map<string, Assignment>(sorted.map((id) => [id, {}]));
    const topics = allTopics(members);
    const maxPartitions = Math.max(0, ...topics.map((t) => partitions(t)));
    for (let p = 0; p < maxPartitions; p++) {
      const member = sorted[p % sorted.length]!;
      const a = out.get(member)!;
      for (const t of topics) if (p < partitions(t)) (a[t] ??= []).push(p);
    }
    return out;
  },
};

export const assignors: Record<'roundrobin' | 'copartitioned', Assignor> = {
  roundrobin: roundRobinAssignor,
  copartitioned: copartitionedAssignor,
};
