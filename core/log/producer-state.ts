/**
 * Idempotent producers, per partition (Kafka's ProducerStateManager, for non-transactional
 * producers): for each producer id the current epoch and the sequence ranges and offsets of its
 * last five batches (a producer has at most five requests in flight).
 *
 * An incoming batch from producer id p, epoch e, sequences [first, last]:
 * - e below p's epoch: InvalidProducerEpochError (the producer was fenced by a newer instance);
 * - the same e and sequences as one of the five remembered batches: DuplicateSequenceError, with
 *   that batch's offsets, and nothing is appended (a retry after a lost response);
 * - a new epoch must start at sequence 0, and within an epoch `first` must follow the last
 *   sequence (wrapping after 2^31 − 1): OutOfOrderSequenceError otherwise (a gap: a batch lost
 *   in between);
 * - a producer id the partition does not know (new, or expired) may start at any sequence, as in
 *   Kafka 3 (KIP-360).
 *
 * The state is rebuilt from the batch headers in the log (producer id, epoch, base sequence,
 * offsets), so it survives restarts without files of its own; ids silent for longer than
 * `expirationMs` (Kafka's producer.id.expiration.ms, one day) are forgotten.
 */
import { DuplicateSequenceError, InvalidProducerEpochError, OutOfOrderSequenceError } from './errors.js';

export const BATCHES_TO_RETAIN = 5;
export const PRODUCER_ID_EXPIRATION_MS = 86_400_000;
const MAX_SEQUENCE = 0x7fffffff;

export interface ProducerBatch {
  producerId: number;
  epoch: number;
  firstSeq: number;
  /** The sequence of the batch's last record (first + lastOffsetDelta, wrapping). */
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  /** Max timestamp of the batch (for expiration). */
  timestamp: number;
}

interface Entry {
  epoch: number;
  batches: ProducerBatch[];
  lastTimestamp: number;
}

/** The sequence of the last record of a batch that starts at `first` and holds `lastOffsetDelta + 1` records. */
export function lastSequence(first: number, lastOffsetDelta: number): number {
  const last = first + lastOffsetDelta;
  return last > MAX_SEQUENCE ? last - MAX_SEQUENCE - 1 : last;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === MAX_SEQUENCE);
}

export class ProducerState {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly where: string) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Checks a batch about to be appended; throws DuplicateSequenceError, OutOfOrderSequenceError
   * or InvalidProducerEpochError. `pending` are batches of the same append checked before it.
   */
  check(b: Omit<ProducerBatch, 'firstOffset' | 'lastOffset' | 'timestamp'>, pending: readonly ProducerBatch[] = []): void {
    const entry = this.entries.get(b.producerId);
    const earlier = pending.filter((x) => x.producerId === b.producerId);
    const epoch = earlier.length ? earlier[earlier.length - 1]!.epoch : entry?.epoch;
    if (epoch === undefined) return; // an unknown producer id starts anywhere
    if (b.epoch < epoch) {
      throw new InvalidProducerEpochError(`producer ${b.producerId} has epoch ${b.epoch} in ${this.where}, below its current epoch ${epoch}: a newer producer with this id fenced it`);
    }
    if (entry && b.epoch === entry.epoch) {
      const dup = entry.batches.find((x) => x.firstSeq === b.firstSeq && x.lastSeq === b.lastSeq);
      if (dup) throw new DuplicateSequenceError(b.producerId, b.firstSeq, dup.firstOffset, dup.lastOffset);
    }
    if (b.epoch !== epoch) {
      if (b.firstSeq !== 0) throw new OutOfOrderSequenceError(`producer ${b.producerId} starts epoch ${b.epoch} at sequence ${b.firstSeq} in ${this.where}; a new epoch starts at 0`);
      return;
    }
    const lastSeq = earlier.length ? earlier[earlier.length - 1]!.lastSeq : entry!.batches[entry!.batches.length - 1]?.lastSeq;
    if (lastSeq === undefined) return;
    if (!inSequence(lastSeq, b.firstSeq)) {
      throw new OutOfOrderSequenceError(`producer ${b.producerId} sent sequence ${b.firstSeq} in ${this.where}, but the last one appended is ${lastSeq}: batches in between are missing`);
    }
  }

  /** Remembers an appended batch. */
  record(b: ProducerBatch): void {
    let entry = this.entries.get(b.producerId);
    if (!entry || b.epoch > entry.epoch) {
      entry = { epoch: b.epoch, batches: [], lastTimestamp: b.timestamp };
      this.entries.set(b.producerId, entry);
    }
    if (b.epoch < entry.epoch) return; // an older epoch's batch met while rebuilding
    entry.batches.push(b);
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastTimestamp = Math.max(entry.lastTimestamp, b.timestamp);
  }

  /** Forgets producer ids whose last batch is older than `expirationMs`. */
  expire(now: number, expirationMs = PRODUCER_ID_EXPIRATION_MS): number {
    let n = 0;
    for (const [id, e] of this.entries) {
      if (now - e.lastTimestamp > expirationMs) {
        this.entries.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Forgets batches below a new log start offset (DeleteRecords, retention): they cannot be duplicates any more. */
  truncateBefore(offset: number): void {
    for (const [id, e] of this.entries) {
      e.batches = e.batches.filter((b) => b.lastOffset >= offset);
      if (e.batches.length === 0) this.entries.delete(id);
    }
  }
}
