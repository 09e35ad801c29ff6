export { embedded, EmbeddedClient, type EmbeddedOptions } from './embedded/client.js';
export { CommitFailedError, GroupMembershipError, GroupNotEmptyError, UnknownGroupError, UnsupportedByBrokerError } from './errors.js';
export type * from './types.js';
