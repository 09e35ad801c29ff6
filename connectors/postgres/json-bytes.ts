/**
 * Reading JSON from its bytes without JSON.parse (json-key.ts, json-flat.ts): the pieces both
 * readers share. They only ever accept text JSON.parse gives the same result for; anything else
 * makes them decline, and the caller parses.
 */
import { isUtf8 } from 'node:buffer';

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The first byte of `null`. */
export const LETTER_N = 0x6e;

/** Whether `a` holds the bytes buf[from, to). */
export function sameBytes(a: Buffer, b: Buffer, from: number, to: number): boolean {
  if (a.length !== to - from) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[from + i]) return false;
  return true;
}

/**
 * The end (exclusive) of a JSON string's content starting at `from`, when it has no escape, no
 * control character and is valid UTF-8 (so its bytes are the UTF-8 of the string JSON.parse
 * makes, and COPY's text format needs no escape in it); else -1.
 */
export function plainStringEnd(buf: Buffer, from: number): number {
  let high = false;
  for (let i = from; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === QUOTE) return !high || isUtf8(buf.subarray(from, i)) ? i : -1;
    if (b === BACKSLASH || b < 0x20) return -1;
    if (b >= 0x80) high = true;
  }
  return -1;
}
