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

/** Offsets of a group cannot be reset, nor the group deleted, while it has members (as Kafka refuses). */
export class GroupNotEmptyError extends SluiceError {
  constructor(readonly groupId: string, readonly members: number) {
    super('GROUP_NOT_EMPTY', `group "${groupId}" has ${members} active member(s); stop them first (offsets can only be changed, and a group deleted, while it is empty)`);
  }
}

/** The group does not exist (no members, no committed offsets). */
export class UnknownGroupError extends SluiceError {
  constructor(readonly groupId: string) {
    super('UNKNOWN_GROUP', `group "${groupId}" does not exist`);
  }
}

/** The Kafka cluster or sluice broker the client talks to does not implement an admin API. */
export class UnsupportedByBrokerError extends SluiceError {
  constructor(operation: string, api: string, brokers: string) {
    super('UNSUPPORTED_BY_BROKER', `${operation}: the broker at ${brokers} does not support ${api}; use a Kafka cluster that does, or, for a sluice broker, stop it and run this command on its --data-dir`);
  }
}
