/**
 * Table-table join (Kafka Streams' KTable#join/leftJoin/outerJoin): the result is a table with the
 * same key, updated whenever either side changes:
 * - inner: joiner(left, right) while both rows exist;
 * - left: joiner(left, right | null) while the left row exists;
 * - outer: joiner(left | null, right | null) while either exists;
 * and a null (a tombstone) for the key when the result stops existing. Both tables' topics are
 * inputs of one pipeline (co-partitioned, merged by timestamp) and are read from the start when a
 * task opens, so the join is rebuilt after a restart.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { InputRecord, TaskContext } from '../../core/worker/contracts.js';
import { recordOperator } from '../operator.js';
import { sluiceOperator, type SluiceOperator } from '../sluice-op.js';
import { readChangelog } from '../stores/changelog.js';
import { TableState, type KTable } from '../table.js';
import type { Rec } from '../types.js';
import type { TaskBinding } from '../topology/node.js';

export type TableJoinType = 'inner' | 'left' | 'outer';

export function tableJoinOperator<K, L, R, O>(
  left: KTable<K, L>,
  right: KTable<K, R>,
  joiner: (l: L | null, r: R | null) => O,
  type: TableJoinType,
): SluiceOperator<Rec<K, L | null>, Rec<K, O | null>> {
  return sluiceOperator<Rec<K, L | null>, Rec<K, O | null>>({
    kind: `table-${type}-join`,
    writeToTopology: (b) => b.processor((t) => bind(t.ctx, t), { inputs: [right.topic], stores: [left.topic, right.topic] }),
  });

  function bind(ctx: TaskContext, t: TaskBinding): OperatorFunction<Rec<K, L | null>, Rec<K, O | null>> {
    const leftRows = new TableState(left);
    const rightRows = new TableState(right);
    const present = new Set<string>();
    let emit: ((r: Rec<K, O | null>) => void) | null = null;
    const update = (key: K, origin: Omit<Rec<K, unknown>, 'key' | 'value'>) => {
      const k = JSON.stringify(key);
      const l = leftRows.get(key);
      const r = rightRows.get(key);
      const exists = type === 'inner' ? l !== undefined && r !== undefined : type === 'left' ? l !== undefined : l !== undefined || r !== undefined;
      if (exists) {
        present.add(k);
        emit?.({ ...origin, key, value: joiner(l ?? null, r ?? null) });
      } else if (present.delete(k)) emit?.({ ...origin, key, value: null });
    };
    const restore = (async () => {
      for (const [state, topic] of [
        [leftRows, left.topic],
        [rightRows, right.topic],
      ] as const) {
        for (const [k, v] of await readChangelog(ctx, topic)) (state as TableState<K, unknown>).apply(Buffer.from(k, 'utf8'), v);
      }
      for (const k of new Set([...leftRows.rows.keys(), ...rightRows.rows.keys()])) {
        const key = JSON.parse(k) as K;
        const l = leftRows.get(key);
        const r = rightRows.get(key);
        if (type === 'inner' ? l !== undefined && r !== undefined : type === 'left' ? l !== undefined : true) present.add(k);
      }
    })();
    const inner = recordOperator<Rec<K, L | null>, Rec<K, O | null>>(ctx, {
      next(rec) {
        const k = JSON.stringify(rec.key);
        if (rec.value === null) leftRows.rows.delete(k);
        else leftRows.rows.set(k, rec.value);
        update(rec.key, rec);
      },
    });
    const op: OperatorFunction<Rec<K, L | null>, Rec<K, O | null>> = (source) =>
      new Observable<Rec<K, O | null>>((subscriber) => {
        emit = (r) => subscriber.next(r);
        const sub = inner(source).subscribe(subscriber);
        return () => {
          emit = null;
          sub.unsubscribe();
        };
      });
    const onRecord = (r: InputRecord) => {
      rightRows.applyRecord(r);
      if (r.key === null) return;
      update(right.keySerde.deserialize(r.key), { timestamp: r.timestamp, headers: r.headers, topic: r.topic, partition: r.partition, offset: r.offset });
    };
    t.onSideInput(right.topic, onRecord);
    t.waitFor(restore);
    return op;
  }
}
