/**
 * Stream-table join: each stream record is joined with the table's current value for its key
 * (Kafka Streams' KStream#join(KTable) / #leftJoin). Inner: records whose key has no row are
 * dropped. Left: they are joined with null. Table updates and stream records of a task are
 * applied in timestamp order, so a record sees the table as of its time. The table topic must be
 * co-partitioned with the stream (the worker checks this at start and names both topics). The
 * table's rows are a key-value store (the table's `store`: memory or Redis) restored from its topic.
 */
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import { applyTableRecord, tableStore, type KTable } from '../table.js';
import type { Rec } from '../types.js';
import { twoSidedOperator } from './two-sided.js';

export function joinTable<K, V, T, R>(table: KTable<K, T>, joiner: (value: V, row: T, record: Rec<K, V>) => R, opts: { left?: false } = {}): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return tableJoin(table, joiner as (value: V, row: T | null, record: Rec<K, V>) => R, false, opts);
}

export function leftJoinTable<K, V, T, R>(table: KTable<K, T>, joiner: (value: V, row: T | null, record: Rec<K, V>) => R): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return tableJoin(table, joiner, true, {});
}

function tableJoin<K, V, T, R>(table: KTable<K, T>, joiner: (value: V, row: T | null, record: Rec<K, V>) => R, left: boolean, _opts: object): SluiceOperator<Rec<K, V>, Rec<K, R>> {
  return sluiceOperator<Rec<K, V>, Rec<K, R>>({
    kind: left ? 'left-join-table' : 'join-table',
    writeToTopology(b) {
      // The table's store has no changelog of its own: its topic is one (declared as an input).
      b.processor(
        (t) => {
          const rows = tableStore(t.ctx, table);
          return twoSidedOperator<Rec<K, V>, Rec<K, R>>(t, table.topic, [rows], {
            leftKeyText: (r) => rows.keyText(r.key),
            rightKeyText: (r) => (r.key === null ? null : rows.keyText(table.keySerde.deserialize(r.key))),
            left(r, emit) {
              const row = rows.getText(rows.keyText(r.key));
              if (row === undefined && !left) return;
              emit({ ...r, value: joiner(r.value, row ?? null, r) });
            },
            right(r) {
              applyTableRecord(rows, table, r);
            },
          });
        },
        { inputs: [table.topic], stores: [table.storeName] },
      );
    },
  });
}
