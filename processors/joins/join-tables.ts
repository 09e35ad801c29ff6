/**
 * Table-table join (Kafka Streams' KTable#join/leftJoin/outerJoin): the result is a table with the
 * same key, updated whenever either side changes:
 * - inner: joiner(left, right) while both rows exist;
 * - left: joiner(left, right | null) while the left row exists;
 * - outer: joiner(left | null, right | null) while either exists;
 * and a null (a tombstone) for the key when the result stops existing (whether it existed is read
 * from both stores before the update, as Kafka's KTableKTableJoin reads the old values). Both
 * tables' topics are inputs of one pipeline (co-partitioned, merged by timestamp); each table's rows
 * are a key-value store (its `store`: memory or Redis) restored from its topic when a task opens.
 */
import type { OperatorFunction } from 'rxjs';
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import type { KeyValueAccess } from '../stores/memory-kv.js';
import { applyTableRecord, tableStore, type KTable } from '../table.js';
import type { Rec } from '../types.js';
import type { TaskBinding } from '../topology/node.js';
import { twoSidedOperator } from './two-sided.js';

export type TableJoinType = 'inner' | 'left' | 'outer';

export function tableJoinOperator<K, L, R, O>(
  left: KTable<K, L>,
  right: KTable<K, R>,
  joiner: (l: L | null, r: R | null) => O,
  type: TableJoinType,
): SluiceOperator<Rec<K, L | null>, Rec<K, O | null>> {
  return sluiceOperator<Rec<K, L | null>, Rec<K, O | null>>({
    kind: `table-${type}-join`,
    writeToTopology: (b) => b.processor((t) => bind(t), { inputs: [right.topic], stores: [left.storeName, right.storeName] }),
  });

  function bind(t: TaskBinding): OperatorFunction<Rec<K, L | null>, Rec<K, O | null>> {
    const leftRows = tableStore(t.ctx, left);
    const rightRows = tableStore(t.ctx, right);
    const exists = (key: K) => {
      const l = leftRows.getText(leftRows.keyText(key));
      const r = rightRows.getText(rightRows.keyText(key));
      return type === 'inner' ? l !== undefined && r !== undefined : type === 'left' ? l !== undefined : l !== undefined || r !== undefined;
    };
    /** Applies an update of one side and emits the joined row, or its tombstone when it stopped existing. */
    const update = (key: K, apply: () => void, origin: Omit<Rec<K, unknown>, 'key' | 'value'>, emit: (r: Rec<K, O | null>) => void) => {
      const existed = exists(key);
      apply();
      if (exists(key)) emit({ ...origin, key, value: joiner(leftRows.getText(leftRows.keyText(key)) ?? null, rightRows.getText(rightRows.keyText(key)) ?? null) });
      else if (existed) emit({ ...origin, key, value: null });
    };
    const texts = (key: K) => leftRows.keyText(key);
    return twoSidedOperator<Rec<K, L | null>, Rec<K, O | null>>(t, right.topic, [leftRows, rightRows] as Array<KeyValueAccess<K, unknown>>, {
      leftKeyText: (r) => texts(r.key),
      // Both stores load the same key text: tables of one key type share their key serde.
      rightKeyText: (r) => (r.key === null ? null : texts(right.keySerde.deserialize(r.key))),
      left(rec, emit) {
        update(
          rec.key,
          () => {
            const k = leftRows.keyText(rec.key);
            if (rec.value === null) leftRows.deleteText(k);
            else leftRows.putText(k, rec.key, rec.value);
          },
          rec,
          emit,
        );
      },
      right(r, emit) {
        if (r.key === null) return;
        const key = right.keySerde.deserialize(r.key);
        update(key, () => applyTableRecord(rightRows, right, r), { timestamp: r.timestamp, headers: r.headers, topic: r.topic, partition: r.partition, offset: r.offset }, emit);
      },
    });
  }
}
