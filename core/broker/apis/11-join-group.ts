/**
 * JoinGroup (key 11): v0–2
 *
 * Request v0: group_id string, session_timeout_ms i32, member_id string, protocol_type string,
 *             protocols [name string, metadata bytes]
 *         v1–v2: rebalance_timeout_ms i32 after session_timeout_ms
 * Response v0–v1: error_code i16, generation_id i32, protocol_name string, leader string, member_id string,
 *                 members [member_id string, metadata bytes]
 *          v2: throttle_time_ms i32 first
 *
 * Behavior:
 * - The group lives in core/groups, shared with the EmbeddedClient: kafkajs, librdkafka, kafka-python
 *   and in-process consumers of one group are members of the same group and see the same commits.
 * - The response is held until the join phase completes (every known member rejoined, or the
 *   largest rebalance timeout passed); requests behind it on this connection wait, others do not.
 * - v0 has no rebalance timeout: the session timeout stands in for it, as in Kafka.
 * - The protocol chosen is one every member supports; only the leader gets the member list, each
 *   with its metadata for that protocol. None in common: INCONSISTENT_GROUP_PROTOCOL (23).
 * - Max v2: no KIP-394 MEMBER_ID_REQUIRED round trip, no static membership (SKIPPED.md).
 * - If the connection closes while the join is pending, the member is removed at once.
 */
import { registerApi, throttleIf } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 2,
  async handle(req, version, ctx, conn) {
    const groupId = req.string();
    const sessionTimeoutMs = req.int32();
    const rebalanceTimeoutMs = version >= 1 ? req.int32() : sessionTimeoutMs;
    const memberId = req.string();
    const protocolType = req.string();
    const protocols = req.array((r) => ({ name: r.string(), metadata: r.bytes() }));
    const res = await ctx.coordinator.joinGroup(
      { groupId, memberId, clientId: conn.clientId, clientHost: `/${conn.clientHost}`, sessionTimeoutMs, rebalanceTimeoutMs, protocolType, protocols },
      conn.signal,
    );
    const w = throttleIf(new Writer(), version >= 2);
    w.int16(res.errorCode).int32(res.generationId).string(res.protocolName).string(res.leaderId).string(res.memberId);
    w.array(res.members, (w, m) => w.string(m.memberId).bytes(m.metadata));
    return w;
  },
});
