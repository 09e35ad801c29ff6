/**
 * The clocks every window and session store keeps, whatever its backend: the largest window or
 * session time put (what its retention counts back from) and the task's stream time, which the
 * store logs to its changelog when it moves (so a restored task knows what it has emitted).
 */
import type { RecordCursor } from '../../core/log/record-cursor.js';
import { KeyInterner } from './key-interner.js';
import { StoreBase } from './store-base.js';
import { STREAM_TIME_KEY } from './window-codec.js';

/** A window's or session's changelog key: its text and its parsed parts (`[keyText, start]` or `[keyText, start, end]`). */
export interface RestoredKey<P> {
  text: string;
  parts: P;
}

const utf8 = (b: Buffer) => b.toString('utf8');

export abstract class TimedStoreBase<K, V> extends StoreBase<K, V> {
  protected observed = -Infinity;
  protected streamTimeValue = -1;
  protected streamTimeDirty = false;
  /** While restoring: changelog keys by their bytes, each decoded and parsed once (null: the stream-time key). */
  private restoreKeys: KeyInterner | undefined;
  private restoredKeys: Array<RestoredKey<unknown> | null> = [];

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
    this.forgetRestoredKeys();
    this.observed = -Infinity;
    this.streamTimeValue = -1;
    this.streamTimeDirty = false;
  }

  /**
   * While restoring: the changelog key of the cursor's record, decoded and parsed once per
   * distinct key of the restore (the same object for every record of that key). A stream-time
   * record is taken here, and a record without a key skipped: both give null.
   */
  protected restoredKey<P>(c: RecordCursor): RestoredKey<P> | null {
    if (c.keyLength < 0) return null;
    const keys = (this.restoreKeys ??= new KeyInterner(utf8));
    const id = keys.id(c.keyBytes, c.keyStart, c.keyLength);
    let key = this.restoredKeys[id];
    if (key === undefined) {
      const text = keys.texts[id]!;
      key = this.restoredKeys[id] = text === STREAM_TIME_KEY ? null : { text, parts: JSON.parse(text) as unknown };
    }
    if (key === null && c.valueLength >= 0) this.streamTimeValue = Number(c.value()!.toString('utf8'));
    return key as RestoredKey<P> | null;
  }

  /** After a restore: the key table goes (it was only there to spare decoding each record's key). */
  protected forgetRestoredKeys(): void {
    this.restoreKeys = undefined;
    this.restoredKeys = [];
  }
}
