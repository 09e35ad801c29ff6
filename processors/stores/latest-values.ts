/**
 * The last record of each key of a key-value store's changelog, gathered over a whole restore and
 * applied once at its end (compaction-aware restore: a later record wins and a tombstone deletes,
 * so every earlier record of a key is dead weight). Per record only a key id and where its value
 * lies are noted; a value's bytes are copied once, at the end, for the keys that are live then.
 *
 * The result is what applying every record in order to a Map would give, in the same order:
 * keys in the order of the put that last made them present (a deleted key put again moves to the
 * end, as Map.delete + Map.set does).
 */
import type { RecordCursor } from '../../core/log/record-cursor.js';
import { KeyInterner } from './key-interner.js';

const ABSENT = -1;

export class LatestValues {
  private readonly keys: KeyInterner;
  /** Per key id: the buffer, start and length of its last value (length ABSENT: deleted or never put). */
  private buffers: Array<Uint8Array | undefined> = [];
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024).fill(ABSENT);
  /** Per key id: its place in `order` when it was last put while absent. */
  private since = new Int32Array(1024);
  /** Key ids in the order they became present; an id is current there only at position since[id]. */
  private order: number[] = [];

  constructor(decodeKey: (bytes: Buffer) => string) {
    this.keys = new KeyInterner(decodeKey);
  }

  /** Notes every record of the run (records with a null key are skipped: they have no key to restore). */
  add(c: RecordCursor): void {
    const keys = this.keys;
    while (c.next()) {
      if (c.keyLength < 0) continue;
      const id = keys.id(c.keyBytes, c.keyStart, c.keyLength);
      if (id >= this.starts.length) this.grow(id);
      const len = c.valueLength;
      if (len >= 0) {
        if (this.lengths[id] === ABSENT) {
          this.since[id] = this.order.length;
          this.order.push(id);
        }
        this.buffers[id] = c.valueBytes; // the read buffer stays alive only while some key's last value is in it
        this.starts[id] = c.valueStart;
      } else {
        this.buffers[id] = undefined;
      }
      this.lengths[id] = len;
    }
  }

  /** Keys whose last record is a tombstone (or that were deleted and not put again). */
  *deleted(): Iterable<string> {
    for (let id = 0; id < this.keys.size; id++) if (this.lengths[id] === ABSENT) yield this.keys.texts[id]!;
  }

  /**
   * Live keys with their last value, in Map order (see above). The values are copied into one
   * buffer, so the restored store holds the live bytes only, not the reads they came from.
   */
  live(): Array<[string, Buffer]> {
    const ids: number[] = [];
    let total = 0;
    for (let i = 0; i < this.order.length; i++) {
      const id = this.order[i]!;
      if (this.since[id] !== i || this.lengths[id] === ABSENT) continue;
      ids.push(id);
      total += this.lengths[id]!;
    }
    const all = Buffer.allocUnsafeSlow(total);
    const out = new Array<[string, Buffer]>(ids.length);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const start = this.starts[id]!;
      const len = this.lengths[id]!;
      all.set(this.buffers[id]!.subarray(start, start + len), at);
      out[i] = [this.keys.texts[id]!, all.subarray(at, at + len)];
      at += len;
    }
    return out;
  }

  private grow(id: number): void {
    const size = Math.max(id + 1, this.starts.length * 2);
    const starts = new Int32Array(size);
    starts.set(this.starts);
    const lengths = new Int32Array(size).fill(ABSENT);
    lengths.set(this.lengths);
    const since = new Int32Array(size);
    since.set(this.since);
    this.starts = starts;
    this.lengths = lengths;
    this.since = since;
  }
}
