/**
 * DescribeGroups (key 15): v0–2
 *
 * Request v0–v2: groups [string]
 * Response v0: groups [error_code i16, group_id string, group_state string, protocol_type string,
 *                      protocol_data string, members [member_id string, client_id string, client_host string,
 *                      member_metadata bytes, member_assignment bytes]]
 *          v1–v2: throttle_time_ms i32 first
 *
 * Behavior:
 * - States are Kafka's: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead (unknown group).
 * - Members of every client kind appear, in-process EmbeddedClient consumers included.
 */
import { registerApi, throttleIf } from '../api.js';
import { Writer } from '../wire.js';

registerApi({
  key: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 2,
  async handle(req, version, ctx) {
    const ids = req.array((r) => r.string());
    const groups = await Promise.all(ids.map((id) => ctx.coordinator.describeGroup(id)));
    const w = throttleIf(new Writer(), version >= 1);
    w.array(groups, (w, g) => {
      w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol);
      w.array(g.members, (w, m) => w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment));
    });
    return w;
  },
});
