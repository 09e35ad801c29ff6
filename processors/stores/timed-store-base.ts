/**
 * The clocks every window and session store keeps, whatever its backend: the largest window or
 * session time put (what its retention counts back from) and the task's stream time, which the
 * store logs to its changelog when it moves (so a restored task knows what it has emitted).
 */
import { StoreBase } from './store-base.js';
import { STREAM_TIME_KEY } from './window-codec.js';

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

  /** At a flush: logs the stream time if it moved since the last one, and returns its text (a Redis store keeps it too), else null. */
  protected logStreamTime(): string | null {
    if (!this.streamTimeDirty) return null;
    this.streamTimeDirty = false;
    const text = String(this.streamTimeValue);
    this.log(STREAM_TIME_KEY, text);
    return text;
  }

  /** Before a restore: the clocks of an empty store. */
  protected resetClocks(): void {
    this.observed = -Infinity;
    this.streamTimeValue = -1;
    this.streamTimeDirty = false;
  }

  /** While restoring: takes a changelog record of the stream time (true), or leaves a window's or session's to the caller (false). */
  protected restoreStreamTime(key: string, value: Buffer | null): boolean {
    if (key !== STREAM_TIME_KEY) return false;
    if (value !== null) this.streamTimeValue = Number(value.toString('utf8'));
    return true;
  }
}
