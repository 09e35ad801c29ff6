/**
 * Sluice's assignors as kafkajs PartitionAssigners, with the same names and results as the
 * embedded group leader's (core/groups/assignors.ts): a group may mix both kinds of member and
 * agree whichever one leads.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { assignors } from '../../groups/assignors.js';

export function sluiceAssigner(kind: 'roundrobin' | 'copartitioned'): PartitionAssigner {
  const assignor = assignors[kind];
  return ({ cluster }) => ({
    name: assignor.name,
    version: 0,
    async assign({ members }) {
      const input = members.map((m) => ({
        memberId: m.memberId,
        topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [],
      }));
      const result = assignor.assign({
        members: input,
        partitions: (topic) => cluster.findTopicPartitionMetadata(topic).length,
      });
      return [...result].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: assignor.name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
