/**
 * Numbers handed out and taken back: a duplicate-window store's record slots and its changelog's
 * chunk numbers. A freed number is handed out again before a new one is made, so the numbers (and
 * the changelog keys named by them) stay about as many as are in use at once.
 */
export class NumberPool {
  private free: number[] = [];
  private next = 0;

  take(): number {
    return this.free.length > 0 ? this.free.pop()! : this.next++;
  }

  release(n: number): void {
    this.free.push(n);
  }

  /** After a restore (or to start over, highest -1): numbers up to `highest` are taken where `inUse`, free otherwise (the lowest handed out first). */
  reset(highest: number, inUse: (n: number) => boolean): void {
    this.free = [];
    this.next = highest + 1;
    for (let n = highest; n >= 0; n--) if (!inUse(n)) this.free.push(n);
  }
}
