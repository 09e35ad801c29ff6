/**
 * Sluice's public API. Each area exports its public names from its own index; internals stay
 * unexported.
 */
export * from './core/errors.js';
export type * from './core/log/types.js';
export type * from './core/client/types.js';
export type * from './core/worker/contracts.js';
