/**
 * The changelog entry of a record buffered by a stream-stream join. Binary, so a record is logged
 * with the bytes its serdes make (the right side's as they were read, not parsed and written
 * again), and so any serde round-trips (JSON text would turn a `bytes()` value into an object):
 *
 *   byte 0      0xA0 | flags: 1 = right side, 2 = matched, 4 = emitted alone, 8 = null value
 *   bytes 1-8   timestamp, float64 big-endian
 *   bytes 9-12  length of the serialized key, uint32 big-endian (0xFFFFFFFF: a null key)
 *   then        the serialized key, then the serialized value (the rest)
 */
import { SluiceError } from '../../core/errors.js';

const FORMAT = 0xa0;
const FORMAT_MASK = 0xf0;
const RIGHT = 1;
const MATCHED = 2;
const ALONE = 4;
const NULL_VALUE = 8;
const NULL_KEY = 0xffffffff;
const FIXED = 13;

/** Serialized bytes; a string stands for its UTF-8 bytes (what text serdes make). */
type Bytes = Buffer | string | null;

export interface JoinLogEntry {
  isLeft: boolean;
  matched: boolean;
  alone: boolean;
  ts: number;
  key: Bytes;
  value: Bytes;
}

export interface DecodedJoinLogEntry extends JoinLogEntry {
  key: Buffer | null;
  value: Buffer | null;
}

/** A changelog entry this version cannot read (another format, or cut short). */
export class JoinChangelogFormatError extends SluiceError {
  constructor(topic: string, slot: string, why: string) {
    super('JOIN_CHANGELOG_FORMAT', `join changelog ${topic}, key ${slot}: ${why}. It was not written by this version of Sluice's stream-stream join; to start the join's state afresh, stop the app and delete the topic ${topic}`);
  }
}

const bound = (b: Bytes) => (b === null ? 0 : typeof b === 'string' ? b.length * 3 : b.length);

function put(arena: Buffer, pos: number, b: Buffer | string): number {
  if (typeof b === 'string') return arena.write(b, pos);
  arena.set(b, pos);
  return b.length;
}

/** Encodes entries into one shared buffer (one allocation per batch); returns a view per entry. */
export function encodeJoinLogEntries(entries: readonly JoinLogEntry[]): Buffer[] {
  let size = 0;
  for (const e of entries) size += FIXED + bound(e.key) + bound(e.value);
  const arena = Buffer.allocUnsafe(size);
  const out = new Array<Buffer>(entries.length);
  let pos = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const start = pos;
    arena[pos] = FORMAT | (e.isLeft ? 0 : RIGHT) | (e.matched ? MATCHED : 0) | (e.alone ? ALONE : 0) | (e.value === null ? NULL_VALUE : 0);
    arena.writeDoubleBE(e.ts, pos + 1);
    const keyLen = e.key === null ? 0 : put(arena, pos + FIXED, e.key);
    arena.writeUInt32BE(e.key === null ? NULL_KEY : keyLen, pos + 9);
    pos += FIXED + keyLen;
    if (e.value !== null) pos += put(arena, pos, e.value);
    out[i] = arena.subarray(start, pos);
  }
  return out;
}

export function decodeJoinLogEntry(topic: string, slot: string, b: Buffer): DecodedJoinLogEntry {
  if (b.length < FIXED) throw new JoinChangelogFormatError(topic, slot, `an entry of ${b.length} bytes is too short`);
  const flags = b[0]!;
  if ((flags & FORMAT_MASK) !== FORMAT) throw new JoinChangelogFormatError(topic, slot, `unknown format byte 0x${flags.toString(16)}`);
  const keyLen = b.readUInt32BE(9);
  const keyEnd = keyLen === NULL_KEY ? FIXED : FIXED + keyLen;
  if (keyEnd > b.length) throw new JoinChangelogFormatError(topic, slot, 'the key runs past the end of the entry');
  return {
    isLeft: (flags & RIGHT) === 0,
    matched: (flags & MATCHED) !== 0,
    alone: (flags & ALONE) !== 0,
    ts: b.readDoubleBE(1),
    key: keyLen === NULL_KEY ? null : b.subarray(FIXED, keyEnd),
    value: flags & NULL_VALUE ? null : b.subarray(keyEnd),
  };
}
