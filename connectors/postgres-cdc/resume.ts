/**
 * Where a start of the CDC source begins, from its stored source offset and the slot (Debezium's
 * snapshot modes). The rule that matters: a slot is never created, nor streamed from, over a
 * stored offset it cannot continue — that would skip the changes in between without a word.
 *
 * - A stored stream position (offset with snapshot "done") needs the slot to still hold it: the
 *   slot exists, its WAL is not lost, its confirmed position is not past the offset (the source
 *   confirms only stored offsets, so a slot ahead of the offset was recreated or advanced by
 *   someone else), and the publication still exists. Otherwise changes may be missing: the start
 *   fails with PostgresCdcSlotLostError, or, with `snapshot: when_needed`, takes a new snapshot.
 * - An interrupted snapshot (offset "partial", or none stored) is taken again. When its slot is
 *   still there and usable, the slot is kept: the new snapshot is read from a temporary slot's
 *   export, and streaming then resumes at the kept slot's position, which is at or before the
 *   interrupted snapshot's. The changes made between the two snapshots are streamed after the new
 *   one, so a row that the first snapshot wrote to the topic and that was deleted before the
 *   second gets its delete (a fresh slot would start after that delete and never send it).
 * - No offset and no slot: `initial` and `when_needed` take a snapshot from a fresh slot; `never`
 *   streams from the slot, creating it when missing.
 */
import { PostgresCdcError, PostgresCdcSlotLostError } from './errors.js';
import type { SlotState } from './catalog.js';
import { formatLsn, parseLsn } from './lsn.js';

/** The source offset stored with each record: the commit LSN after it, and whether the snapshot is complete. */
export type CdcOffset = { lsn: string; snapshot: 'partial' | 'done' };

/**
 * A snapshot either from a fresh slot (dropping the one there when dropSlot), or, when `resumeAt` is
 * set, from a temporary slot's export while the existing slot is kept and streamed from its
 * confirmed position `resumeAt` afterwards; or streaming at once.
 */
export type StartPlan = { snapshot: true; dropSlot: boolean; resumeAt: bigint | null; reason: string | null } | { snapshot: false; createSlot: boolean };

export interface StartState {
  mode: 'initial' | 'never' | 'when_needed';
  slotName: string;
  publication: string;
  db: string;
  committed: CdcOffset | undefined;
  slot: SlotState | null;
  publicationExists: boolean;
}

/** What a user can do when the slot lost changes. */
export const RESNAPSHOT_HINT =
  'To read the tables again and go on from there, restart with snapshot: when_needed (a new slot and a snapshot of every table; rows deleted in the gap stay in the topics). ' +
  'To go on without the missing changes, give the source a new slot name.';

export function planStart(s: StartState): StartPlan {
  const { slot } = s;
  if (slot && (slot.plugin !== 'pgoutput' || slot.database !== s.db)) {
    throw new PostgresCdcError(`slot: replication slot "${s.slotName}" belongs to database "${slot.database ?? '(none: a physical slot)'}" with plugin "${slot.plugin ?? '-'}", not to "${s.db}" with pgoutput; give this source another slot name`);
  }
  if (s.committed?.snapshot === 'done') {
    const stored = parseLsn(s.committed.lsn);
    const problem = !slot
      ? `the replication slot "${s.slotName}" does not exist (it was dropped)`
      : slot.walStatus === 'lost'
        ? `the replication slot "${s.slotName}" was invalidated: Postgres removed WAL it still needed (max_slot_wal_keep_size)`
        : slot.confirmedFlush !== null && slot.confirmedFlush > stored
          ? `the replication slot "${s.slotName}" is at ${formatLsn(slot.confirmedFlush)}, past the stored offset (it was recreated or advanced by someone else)`
          : !s.publicationExists
            ? `the publication "${s.publication}" was dropped, so the slot cannot decode the changes after that`
            : null;
    if (problem === null) return { snapshot: false, createSlot: false };
    if (s.mode === 'when_needed') return { snapshot: true, dropSlot: slot !== null, resumeAt: null, reason: problem };
    throw new PostgresCdcSlotLostError(`postgres-cdc: ${problem}; changes committed after the stored offset ${s.committed.lsn} may be missing from the topics. ${RESNAPSHOT_HINT}`);
  }
  if (s.mode === 'never') {
    if (s.committed && !slot) {
      throw new PostgresCdcSlotLostError(`postgres-cdc: the replication slot "${s.slotName}" does not exist, and the stored offset is from an unfinished snapshot; changes may be missing from the topics. ${RESNAPSHOT_HINT}`);
    }
    return { snapshot: false, createSlot: !slot };
  }
  // No offset, or a snapshot that did not finish: a snapshot, streaming on from the slot when it can.
  if (slot && slot.walStatus !== 'lost' && slot.confirmedFlush !== null && s.publicationExists) return { snapshot: true, dropSlot: false, resumeAt: slot.confirmedFlush, reason: null };
  return { snapshot: true, dropSlot: slot !== null, resumeAt: null, reason: null };
}
