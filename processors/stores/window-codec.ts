/**
 * Changelog layout of window and session stores:
 * - a window: key `[<key text>, <start>]` (JSON), value = 8-byte big-endian timestamp (the
 *   largest record timestamp in the window, Kafka's ValueAndTimestamp) + the value serde's bytes;
 * - a session: key `[<key text>, <start>, <end>]` (JSON), value = the value serde's bytes;
 * - the operator's stream time: key `"__streamTime"`, value its decimal text (a JSON string key,
 *   so it cannot collide with an entry's JSON array key).
 */
export const STREAM_TIME_KEY = '"__streamTime"';

export const windowChangelogKey = (keyText: string, start: number) => JSON.stringify([keyText, start]);
export const sessionChangelogKey = (keyText: string, start: number, end: number) => JSON.stringify([keyText, start, end]);

/** Timestamp + value bytes in one buffer. */
export function withTimestamp(ts: number, value: Buffer | string): Buffer {
  const len = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  const b = Buffer.allocUnsafe(8 + len);
  b.writeDoubleBE(ts, 0);
  if (typeof value === 'string') b.write(value, 8);
  else value.copy(b, 8);
  return b;
}

export function splitTimestamp(b: Buffer): { ts: number; value: Buffer } {
  return { ts: b.readDoubleBE(0), value: b.subarray(8) };
}
