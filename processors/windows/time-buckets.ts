/**
 * State kept per time bucket (a window start, a slice of a join's buffer), as the windowed
 * aggregation and the stream-stream join both keep it: closing or expiring walks whole buckets in
 * time order instead of every entry. The bucket of the previous lookup is remembered, since
 * records in about time order mostly land in it.
 */
export class TimeBuckets<T> {
  private readonly byStart = new Map<number, T>();
  private lastStart = NaN;
  private last: T | undefined;

  constructor(private readonly create: (start: number) => T) {}

  /** The bucket at `start`, created when missing. */
  at(start: number): T {
    if (start === this.lastStart) return this.last!;
    let bucket = this.byStart.get(start);
    if (bucket === undefined) this.byStart.set(start, (bucket = this.create(start)));
    this.lastStart = start;
    this.last = bucket;
    return bucket;
  }

  get(start: number): T | undefined {
    return this.byStart.get(start);
  }

  delete(start: number): void {
    this.byStart.delete(start);
    if (start === this.lastStart) {
      this.lastStart = NaN;
      this.last = undefined;
    }
  }

  /** The starts of the buckets, earliest first. */
  starts(): number[] {
    return [...this.byStart.keys()].sort((x, y) => x - y);
  }

  values(): IterableIterator<T> {
    return this.byStart.values();
  }
}
