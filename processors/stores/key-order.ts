/**
 * The order of key texts, kept as a rank per text, so a window store can list one window start's
 * entries by key (Kafka's order: by serialized key) without comparing strings: an entry goes to
 * the slot of its key's rank. Closing a window of P2's 5 000 keys took about 60 000 string
 * comparisons in a sort; placing by rank takes one Map lookup per entry. Ranks are rebuilt only
 * when keys never seen before show up (their texts sorted, then merged into the known ones), and
 * texts that no window holds any more are dropped when they outnumber the live ones.
 */
export interface LiveKeys {
  /** Entries the store holds (an upper bound of its distinct key texts). */
  count(): number;
  keyTexts(): Iterable<string>;
}

export class KeyOrder {
  /** Known key texts, sorted; `rank` gives each its index. */
  private sorted: string[] = [];
  private readonly rank = new Map<string, number>();
  /** Scratch: one start's entries by rank while they are listed (empty between calls). */
  private slots: unknown[] = [];

  /**
   * `entries` (one window start's, by their distinct key texts) appended to `out` ordered by key text.
   * `live` says how many entries the store holds and lists their key texts (asked for only when
   * known texts outnumber them, to drop the unused).
   */
  appendOrdered<E extends { readonly keyText: string }>(entries: ReadonlyMap<string, E>, out: E[], live: LiveKeys): void {
    // Entries go straight to their rank's slot (one Map lookup each); only when a key is new are
    // they listed, the ranks rebuilt and the placing done again.
    let slots = this.slots as Array<E | undefined>;
    if (slots.length < this.sorted.length) slots = this.slots = new Array(this.sorted.length);
    let fresh: string[] | undefined;
    let lo = slots.length;
    let hi = -1;
    for (const e of entries.values()) {
      const r = this.rank.get(e.keyText);
      if (r === undefined) {
        (fresh ??= []).push(e.keyText);
        continue;
      }
      slots[r] = e;
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    if (fresh) {
      for (let i = lo; i <= hi; i++) slots[i] = undefined;
      this.learn(fresh, live);
      this.appendOrdered(entries, out, live);
      return;
    }
    for (let i = lo; i <= hi; i++) {
      const e = slots[i];
      if (e !== undefined) {
        out.push(e);
        slots[i] = undefined;
      }
    }
  }

  private learn(fresh: string[], live: LiveKeys): void {
    fresh.sort(compare);
    let known = this.sorted;
    if (known.length > 2 * live.count() + 1024) {
      const used = new Set(live.keyTexts());
      known = known.filter((t) => used.has(t));
    }
    const merged: string[] = new Array(known.length + fresh.length);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < known.length && j < fresh.length) merged[n++] = compare(known[i]!, fresh[j]!) <= 0 ? known[i++]! : fresh[j++]!;
    while (i < known.length) merged[n++] = known[i++]!;
    while (j < fresh.length) merged[n++] = fresh[j++]!;
    this.sorted = merged;
    this.rank.clear();
    for (let k = 0; k < merged.length; k++) this.rank.set(merged[k]!, k);
  }

  clear(): void {
    this.sorted = [];
    this.slots = [];
    this.rank.clear();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
