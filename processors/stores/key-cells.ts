/**
 * The key index of in-memory window stores that retain duplicates, which a stream-stream join's
 * stores share: key text → one cell holding, per store (its lane), that key's record or its
 * records in time order.
 *
 * Why shared: a join looks a record's key up in the other side's store, then puts the record
 * into its own store (and, in left/outer joins, into the held-records store). With one Map per
 * store that was a lookup per store per record, plus a lookup and a set to insert and a lookup
 * and a delete to expire — string-keyed Map operations were most of the join's store time
 * (BENCHMARKS.md, issue 17 item 2). Here the stores of a join find a key once: the last key asked
 * for is remembered (found or not), so the join's second store answers without a lookup, and a
 * record keeps its cell, so expiring it needs none. A cell goes when no lane holds a record.
 *
 * Each lane is a store's own: stores never read or write another's lane, so sharing the index
 * changes nothing a store returns.
 */

/** What a lane holds of a key: its one record, or its records in time order, or undefined. */
export type LaneRecords<E> = E | E[] | undefined;

/**
 * One key's records in every store sharing the index. The first three lanes (a join's left,
 * right and held-records stores) are fields, so a cell is one small object; more lanes, if any
 * store ever shares with more, go to an array.
 */
export class KeyCell<E> {
  l0: LaneRecords<E> = undefined;
  l1: LaneRecords<E> = undefined;
  l2: LaneRecords<E> = undefined;
  more: Array<LaneRecords<E>> | undefined = undefined;
  /** Records held over all lanes. */
  count = 0;

  constructor(readonly text: string) {}

  get(lane: number): LaneRecords<E> {
    return lane === 0 ? this.l0 : lane === 1 ? this.l1 : lane === 2 ? this.l2 : this.more?.[lane - 3];
  }

  set(lane: number, v: LaneRecords<E>): void {
    if (lane === 0) this.l0 = v;
    else if (lane === 1) this.l1 = v;
    else if (lane === 2) this.l2 = v;
    else (this.more ??= [])[lane - 3] = v;
  }
}

export class KeyCells<E> {
  private readonly byText = new Map<string, KeyCell<E>>();
  private width = 0;
  /** The last key text asked for and its cell (undefined: the key has none). */
  private lastText: string | undefined = undefined;
  private lastCell: KeyCell<E> | undefined = undefined;

  /** A store's lane. */
  lane(): number {
    return this.width++;
  }

  /** The key's cell, if any store holds a record of it. */
  find(text: string): KeyCell<E> | undefined {
    if (text === this.lastText) return this.lastCell;
    const cell = this.byText.get(text);
    this.lastText = text;
    this.lastCell = cell;
    return cell;
  }

  /** The key's cell, made when missing. */
  at(text: string): KeyCell<E> {
    const found = this.find(text);
    if (found !== undefined) return found;
    const cell = new KeyCell<E>(text);
    this.byText.set(text, cell);
    this.lastCell = cell;
    return cell;
  }

  /** After a lane dropped a record of the cell: the cell goes when it holds none. */
  dropped(cell: KeyCell<E>): void {
    if (--cell.count > 0) return;
    this.byText.delete(cell.text);
    if (this.lastCell === cell) this.lastText = this.lastCell = undefined;
  }
}
