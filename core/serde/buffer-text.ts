/**
 * Bytes to text through Buffer's native slicers. They are on Buffer.prototype (and so on the
 * decoder's record views) but not in @types/node; `toString()` and `toString(enc, start, end)`
 * reach the same code after checking their arguments in JS, which shows in profiles when every
 * record's key and value pass through here.
 */
interface NativeSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** UTF-8 text of b[start, end) (invalid sequences become U+FFFD, as in toString()). */
export function utf8Text(b: Buffer, start = 0, end = b.length): string {
  return (b as unknown as NativeSlices).utf8Slice(start, end);
}

/** Text of b[start, end) where every byte is known to be ASCII (one char per byte). */
export function asciiText(b: Buffer, start: number, end: number): string {
  return (b as unknown as NativeSlices).latin1Slice(start, end);
}

/** UTF-8 length of a string: for one of at most `short` units, its length when ASCII (a JS loop costs less than the native count). */
export function utf8Length(s: string, short: number): number {
  const n = s.length;
  if (n > short) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return n;
}

/** Buffer's native UTF-8 writer (on Buffer.prototype, not in @types/node): buf.write() checks its arguments in JS first. */
export const utf8Write = (Buffer.prototype as unknown as { utf8Write(this: Buffer, s: string, offset: number, length: number): number }).utf8Write;

/**
 * Writes a string whose UTF-8 length `len` was measured (utf8Length with the same `short`);
 * returns the position after it. Short ASCII is copied by a JS loop, cheaper than a native call.
 */
export function writeUtf8(buf: Buffer, pos: number, s: string, len: number, short: number): number {
  if (len === s.length && len <= short) {
    for (let i = 0; i < len; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + len;
  }
  return pos + utf8Write.call(buf, s, pos, len);
}
