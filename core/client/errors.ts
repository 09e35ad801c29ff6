import { SluiceError } from '../errors.js';
import { kafkaErrorName } from '../kafka-errors.js';

/** A commit was refused because this member no longer owns the partitions (a rebalance moved them). */
export class CommitFailedError extends SluiceError {
  constructor(groupId: string, errorCode: number) {
    super(
      'COMMIT_FAILED',
      `commit to group "${groupId}" refused with ${kafkaErrorName(errorCode)}: the group rebalanced and this member's partitions may have moved; the records since the last commit will be processed again by their new owner`,
    );
  }
}

/** The group coordinator answered a membership request with an error that retrying will not fix. */
export class GroupMembershipError extends SluiceError {
  constructor(groupId: string, errorCode: number, what: string) {
    super('GROUP_MEMBERSHIP', `${what} in group "${groupId}" failed with ${kafkaErrorName(errorCode)}`);
  }
}
