/**
 * The broker's budget for request bytes held in memory (Kafka's `queued.max.request.bytes` and its
 * MemoryPool): a connection reserves a request's declared size when it reads the size prefix and
 * gives it back once the request has been handled. When the budget is spent, connections that
 * need more stop reading (their bytes stay in the kernel's socket buffer) and resume, in arrival
 * order, as memory comes back: many clients sending large or half-sent requests at once slow
 * down instead of growing the process.
 */
export class RequestMemory {
  private used = 0;
  private readonly waiters: Array<{ bytes: number; resume: () => void }> = [];

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes `bytes` if they fit now (a request alone larger than the budget gets it when nothing else is held). */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || (this.used + bytes > this.capacity && this.used > 0)) return false;
    this.used += bytes;
    return true;
  }

  /** Calls `resume` once `bytes` are reserved for the caller; returns a cancel for a connection that closes first. */
  wait(bytes: number, resume: () => void): () => void {
    // Not woken here: waiters exist only while the first of them does not fit, and release() wakes them.
    const w = { bytes, resume };
    this.waiters.push(w);
    return () => {
      const i = this.waiters.indexOf(w);
      if (i >= 0) this.waiters.splice(i, 1);
      this.wake();
    };
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.wake();
  }

  private wake(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      if (this.used + w.bytes > this.capacity && this.used > 0) return;
      this.waiters.shift();
      this.used += w.bytes;
      w.resume();
    }
  }
}
