/**
 * A source fused with the one processor after it. When a sub-topology's source leaves values
 * undecoded (nothing reads them) and its only successor is a processor that reads nothing of a
 * record but its key and timestamp (a windowed count), that processor may read those two straight
 * from the stored record: no typed record is made per input (one object with a boxed timestamp,
 * about a tenth of P2's allocation), and one hop of the chain is gone. The results, the error
 * policy's records and the node counts are those of the unfused chain: the processor does what
 * it does with a typed record, the fields come from the same readers the source's decoder uses
 * (so a key that does not deserialize or an unusable timestamp throws the same typed error, now
 * inside the processor, whose error path hands the same stored record to the policy), and both
 * nodes count every record.
 */
import type { InputRecord } from '../../core/worker/contracts.js';
import type { AnyOperator } from './node.js';

/** A source decoder's readers of a stored record's key and event time (no value: it is not read). */
export interface KeyTimeReaders<K = unknown> {
  key(r: InputRecord): K;
  timestamp(r: InputRecord): number;
}

const READERS = Symbol('sluice.keyTimeReaders');
const FROM_STORED = Symbol('sluice.fromStoredRecords');

type WithReaders = AnyOperator & { [READERS]?: KeyTimeReaders };
type WithStored = AnyOperator & { [FROM_STORED]?: (readers: KeyTimeReaders) => AnyOperator };

/** Marks a source's operator as one that decodes only keys and timestamps with `readers`. */
export function offeringReaders(op: AnyOperator, readers: KeyTimeReaders): AnyOperator {
  (op as WithReaders)[READERS] = readers;
  return op;
}

/**
 * Marks a processor's operator as one that can also take stored records, reading them with the
 * readers it is given (`fromStored`); only one of the two operators is used for a task.
 */
export function acceptingStored(op: AnyOperator, fromStored: (readers: KeyTimeReaders) => AnyOperator): AnyOperator {
  (op as WithStored)[FROM_STORED] = fromStored;
  return op;
}

/**
 * The successor's operator over stored records, when `source` and `successor` can be fused; else
 * undefined. `readFailures` takes the number of records whose key or timestamp did not read since
 * it was last called: the unfused source dead-letters those before they reach the successor, so
 * the successor's node count leaves them out.
 */
export function fusedOperator(source: AnyOperator | undefined, successor: AnyOperator | undefined): { operator: AnyOperator; readFailures(): number } | undefined {
  const readers = (source as WithReaders | undefined)?.[READERS];
  const fromStored = (successor as WithStored | undefined)?.[FROM_STORED];
  if (!readers || !fromStored) return undefined;
  let failures = 0;
  const counting = <T>(read: (r: InputRecord) => T) => (r: InputRecord): T => {
    try {
      return read(r);
    } catch (err) {
      failures++;
      throw err;
    }
  };
  const readersCounting: KeyTimeReaders = { key: counting(readers.key), timestamp: counting(readers.timestamp) };
  return {
    operator: fromStored(readersCounting),
    readFailures() {
      const n = failures;
      failures = 0;
      return n;
    },
  };
}
