export { EmbeddedGroupCoordinator, coordinatorFor } from './coordinator.js';
export { OffsetStore, OFFSETS_TOPIC } from './offset-store.js';
export { roundRobinAssignor, copartitionedAssignor, assignors, type Assignor, type AssignorInput } from './assignors.js';
export * from './consumer-protocol.js';
export type * from './types.js';
