/**
 * Kafka's ACL operation codes as bit sets, for the "authorized operations" fields of Metadata,
 * DescribeGroups and DescribeCluster. Sluice has no ACLs (SKIPPED.md): every authenticated client
 * may do everything a resource supports, so these are the full sets Kafka lists per resource type.
 */
const READ = 3;
const WRITE = 4;
const CREATE = 5;
const DELETE = 6;
const ALTER = 7;
const DESCRIBE = 8;
const CLUSTER_ACTION = 9;
const DESCRIBE_CONFIGS = 10;
const ALTER_CONFIGS = 11;
const IDEMPOTENT_WRITE = 12;

const bits = (...ops: number[]) => ops.reduce((acc, op) => acc | (1 << op), 0);

export const TOPIC_OPERATIONS = bits(READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS);
export const GROUP_OPERATIONS = bits(READ, DESCRIBE, DELETE);
export const CLUSTER_OPERATIONS = bits(CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE);
/** The value of an authorized-operations field the request did not ask for. */
export const NOT_ASKED = -2147483648;
