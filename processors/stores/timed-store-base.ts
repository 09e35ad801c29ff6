/**
 * The clocks every window and session store keeps, whatever its backend: the largest window or
 * session time put (what its retention counts back from) and the task's stream time, which the
 * store logs to its changelog when it moves (so a restored task knows what it has emitted).
 */
import { StoreBase } from './store-base.js';

export abstract class TimedStoreBase<K, V> extends StoreBase<K, V> {
  protected observed = -Infinity;
  protected streamTimeValue = -1;
  protected streamTimeDirty = false;

  get observedTime(): number {
    return this.observed;
  }

  get streamTime(): number {
    return this.streamTimeValue;
  }

  set streamTime(t: number) {
    if (t === this.streamTimeValue) return;
    this.streamTimeValue = t;
    this.streamTimeDirty = true;
  }
}
