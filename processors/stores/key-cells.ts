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

  constructor(
    readonly text: string,
    /** Its text's hash in the index (kept: growing and deleting need it again). */
    readonly hash: number,
  ) {}

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

const MIN_CAPACITY = 1024;

/**
 * Key text → cell, as a hash table of its own (open addressing, linear probing, deletion by
 * backward shift, at most half full) rather than a Map. Why: a join's keys come and go (each is
 * inserted and deleted once, tens of thousands live), and V8's Map does that churn badly: a get,
 * a set and a delete per key cost 350-650 ns there against ~200 ns here (BENCHMARKS.md, issue 21
 * item 3, 2026-12-04 evening). The hash is seeded per index, so keys cannot be chosen to collide.
 */
export class KeyCells<E> {
  private slots: Array<KeyCell<E> | undefined> = new Array<KeyCell<E> | undefined>(MIN_CAPACITY).fill(undefined);
  private mask = MIN_CAPACITY - 1;
  private size = 0;
  private readonly seed = (Math.random() * 0x7fffffff) | 0;
  private width = 0;
  /** The last key text asked for, its hash and its cell (undefined: the key has none). */
  private lastText: string | undefined = undefined;
  private lastHash = 0;
  private lastCell: KeyCell<E> | undefined = undefined;

  /** A store's lane. */
  lane(): number {
    return this.width++;
  }

  private hashOf(text: string): number {
    let h = this.seed ^ text.length;
    for (let i = 0; i < text.length; i++) {
      h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** The slot holding `text`'s cell, or the empty slot where it would go. */
  private slotOf(text: string, hash: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const c = slots[i];
      if (c === undefined || (c.hash === hash && c.text === text)) return i;
    }
  }

  /** The key's cell, if any store holds a record of it. */
  find(text: string): KeyCell<E> | undefined {
    if (text === this.lastText) return this.lastCell;
    const hash = this.hashOf(text);
    const cell = this.slots[this.slotOf(text, hash)];
    this.lastText = text;
    this.lastHash = hash;
    this.lastCell = cell;
    return cell;
  }

  /** The key's cell, made when missing. */
  at(text: string): KeyCell<E> {
    const found = this.find(text);
    if (found !== undefined) return found;
    // find() left the text's hash behind; the empty slot is probed again (a removal may have moved cells since).
    const hash = this.lastHash;
    const cell = new KeyCell<E>(text, hash);
    this.slots[this.slotOf(text, hash)] = cell;
    this.lastCell = cell;
    if (++this.size * 2 > this.slots.length) this.resize(this.slots.length * 2);
    return cell;
  }

  /** After a lane dropped a record of the cell: the cell goes when it holds none. */
  dropped(cell: KeyCell<E>): void {
    if (--cell.count > 0) return;
    if (this.lastCell === cell) this.lastText = this.lastCell = undefined;
    const slots = this.slots;
    const mask = this.mask;
    let i = cell.hash & mask;
    // A cell not in the table (dropped twice) would make this probe run forever: fail instead.
    while (slots[i] !== cell) {
      if (slots[i] === undefined) throw new Error('KeyCells: a cell that is not in the index was dropped (a record unlinked twice)');
      i = (i + 1) & mask;
    }
    // Backward shift: each later cell of the run whose home is not in (i, j] moves into the hole.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const c = slots[j];
      if (c === undefined) break;
      const home = c.hash & mask;
      if (j > i ? home <= i || home > j : home <= i && home > j) {
        slots[i] = c;
        i = j;
      }
    }
    slots[i] = undefined;
    if (--this.size * 8 < slots.length && slots.length > MIN_CAPACITY) this.resize(slots.length / 2);
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Array<KeyCell<E> | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    for (const c of old) if (c !== undefined) this.slots[this.slotOf(c.text, c.hash)] = c;
  }
}
