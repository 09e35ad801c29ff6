export { embedded, EmbeddedClient, type EmbeddedOptions } from './embedded/client.js';
export { CommitFailedError, GroupMembershipError } from './errors.js';
export type * from './types.js';
