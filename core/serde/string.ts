/** UTF-8 text. */
import { utf8Text } from './buffer-text.js';
import type { Serde } from './types.js';

export function string(): Serde<string> {
  return {
    serialize: (v) => (v === null || v === undefined ? null : Buffer.from(v, 'utf8')),
    deserialize: (b) => (b === null ? (null as unknown as string) : utf8Text(b)),
    deserializeRange: (b, start, end) => utf8Text(b, start, end),
    serializeText: (v) => (v === null || v === undefined ? null : v),
  };
}
