/** Sequence checks of idempotent producers (core/log/producer-state.ts), as Kafka's ProducerStateManager makes them. */
import { describe, expect, it } from 'vitest';
import { DuplicateSequenceError, InvalidProducerEpochError, OutOfOrderSequenceError } from '../../core/log/errors.js';
import { lastSequence, ProducerState } from '../../core/log/producer-state.js';

const batch = (producerId: number, epoch: number, firstSeq: number, count: number, firstOffset: number, timestamp = 1000) => ({
  producerId,
  epoch,
  firstSeq,
  lastSeq: lastSequence(firstSeq, count - 1),
  firstOffset,
  lastOffset: firstOffset + count - 1,
  timestamp,
});

describe('producer state', () => {
  it('accepts batches in sequence, refuses a gap, and finds a retried batch among the last five', () => {
    const s = new ProducerState('t/0');
    let offset = 0;
    for (let i = 0; i < 7; i++) {
      const b = batch(1, 0, i * 10, 10, offset);
      s.check(b);
      s.record(b);
      offset += 10;
    }
    expect(() => s.check(batch(1, 0, 80, 10, 0))).toThrow(OutOfOrderSequenceError);
    // The last five batches are remembered with their offsets; older ones are not.
    const dup = (() => {
      try {
        s.check(batch(1, 0, 30, 10, 0));
      } catch (e) {
        return e;
      }
    })() as DuplicateSequenceError;
    expect(dup).toBeInstanceOf(DuplicateSequenceError);
    expect([dup.firstOffset, dup.lastOffset]).toEqual([30, 39]);
    expect(() => s.check(batch(1, 0, 0, 10, 0))).toThrow(OutOfOrderSequenceError);
    s.check(batch(1, 0, 70, 10, 0));
  });

  it('fences older epochs, starts a new epoch at 0, and lets an unknown producer start anywhere', () => {
    const s = new ProducerState('t/0');
    s.record(batch(2, 3, 0, 5, 0));
    expect(() => s.check(batch(2, 2, 5, 1, 0))).toThrow(InvalidProducerEpochError);
    expect(() => s.check(batch(2, 4, 7, 1, 0))).toThrow(OutOfOrderSequenceError);
    s.check(batch(2, 4, 0, 1, 0));
    s.check(batch(3, 0, 12345, 1, 0));
  });

  it('wraps sequences after 2^31 − 1, checks batches of one append against each other, and expires idle producers', () => {
    const s = new ProducerState('t/0');
    const first = batch(4, 0, 0x7ffffffe, 2, 0);
    expect(first.lastSeq).toBe(0x7fffffff);
    s.record(first);
    s.check(batch(4, 0, 0, 1, 2));
    const a = batch(5, 0, 0, 3, 10);
    s.check(a);
    expect(() => s.check(batch(5, 0, 4, 1, 13), [a])).toThrow(OutOfOrderSequenceError);
    s.check(batch(5, 0, 3, 1, 13), [a]);
    s.record(batch(6, 0, 0, 1, 20, 5_000));
    expect(s.expire(5_000 + 86_399_999)).toBe(1);
    expect(s.size).toBe(1);
  });
});
