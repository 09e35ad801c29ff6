/**
 * The records of the batch a task is running, so that a record which failed past the decoder can
 * be dead-lettered with its key and value bytes. An operator there holds a typed record that
 * knows only where it came from (topic, partition, offset); it names the failure with a stand-in
 * marked ORIGIN_ONLY, and the task swaps in the batch's own record. Typed records do not carry
 * their input record along, since stateful operators keep typed records for a long time and
 * that would keep every fetched batch they came from in memory.
 */
import type { InputRecord } from './contracts.js';

/** Marks a stand-in that has a record's coordinates but not its bytes. */
export const ORIGIN_ONLY = Symbol('sluice.originOnly');

const coordinates = (r: InputRecord) => `${r.topic}\u0000${r.partition}\u0000${r.offset}`;

export class BatchRecords {
  private records: readonly InputRecord[] = [];
  /** Built on the first stand-in of a batch only: failures are rare, and a batch may be large. */
  private index: Map<string, InputRecord> | undefined;

  set(records: readonly InputRecord[]): void {
    this.records = records;
    this.index = undefined;
  }

  /** The batch's record for a stand-in (the record itself otherwise, or when it is not in the batch). */
  resolve(r: InputRecord): InputRecord {
    if (!(r as { [ORIGIN_ONLY]?: boolean })[ORIGIN_ONLY]) return r;
    if (this.index === undefined) {
      this.index = new Map();
      for (const b of this.records) this.index.set(coordinates(b), b);
    }
    return this.index.get(coordinates(r)) ?? r;
  }
}
