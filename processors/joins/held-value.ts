/**
 * What a left or outer join keeps of a record waiting for a partner in its outer store (Kafka's
 * LeftOrRightValue): its side, its value, and the slot of its copy in its side's store (so a
 * partner that matches that copy takes exactly this record out; -1 when it was too late to be
 * buffered). Written as one byte of flags, the slot (int32 big-endian), then the side's value
 * serde's bytes.
 */
import { producerValue, type Serde } from '../../core/serde/serde.js';

export interface Held {
  left: boolean;
  slot: number;
  value: unknown;
}

const LEFT = 1;

export function heldValueSerde<V, W>(left: Serde<V>, right: Serde<W>): Serde<Held> {
  const writeLeft = producerValue(left);
  const writeRight = producerValue(right);
  return {
    serialize(h) {
      if (h === null || h === undefined) return null;
      const v = h.left ? writeLeft(h.value as V) : writeRight(h.value as W);
      const body = v === null ? Buffer.alloc(0) : typeof v === 'string' ? Buffer.from(v) : v;
      const b = Buffer.allocUnsafe(5 + body.length);
      b[0] = h.left ? LEFT : 0;
      b.writeInt32BE(h.slot, 1);
      body.copy(b, 5);
      return b;
    },
    deserialize(b) {
      if (b === null) return null as unknown as Held;
      const isLeft = (b[0]! & LEFT) !== 0;
      const body = b.subarray(5);
      return { left: isLeft, slot: b.readInt32BE(1), value: isLeft ? left.deserialize(body) : right.deserialize(body) };
    },
  };
}
