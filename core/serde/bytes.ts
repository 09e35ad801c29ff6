/** The bytes as they are (no copy). */
import type { Serde } from './types.js';

export function bytes(): Serde<Buffer> {
  return {
    serialize: (v) => (v === undefined ? null : v),
    deserialize: (b) => b as Buffer,
  };
}
