/**
 * In-memory key-value store with a changelog: reads and writes hit a Map of key text → entry;
 * the keys written since the last flush go to the changelog `<app>-<name>-changelog` before the
 * task commits, and the task's state manager restores the store from it before the first batch.
 * A restore applies only each key's last changelog record, and restored values stay bytes until
 * first read (a restore decodes nothing it does not need).
 *
 *   const seen = MemoryKeyValueStore.create<string, true>(ctx, 'seen-keys');   // in a statefulOperator's bind
 */
import type { RecordCursor } from '../../core/log/record-cursor.js';
import type { TaskContext } from '../../core/worker/contracts.js';
import type { KeyValueStore } from '../types.js';
import type { Materialized } from './materialized.js';
import type { StoreKind } from '../../core/worker/state-manager.js';
import { LatestValues } from './latest-values.js';
import { StoreBase, type ScannedEntry } from './store-base.js';

interface Entry<K, V> {
  key: K | undefined;
  value: V | undefined;
  /** Changelog bytes: of a restored entry until it is read, or of a value written this batch. */
  raw: Buffer | string | undefined;
}

/** What operators use on top of the public API: key texts they already computed, and a batch-load step. */
export interface KeyValueAccess<K, V> extends KeyValueStore<K, V> {
  /** False: get() answers at once for every key. True (Redis): only for keys load() brought in. */
  readonly needsLoad: boolean;
  /** Brings the current values of these key texts in (one round trip), until the next flush. */
  load(keyTexts: Iterable<string>): Promise<void>;
  getText(keyText: string): V | undefined;
  putText(keyText: string, key: K, value: V): void;
  deleteText(keyText: string): void;
  readonly keyText: (key: K) => string;
}

export class MemoryKeyValueStore<K, V> extends StoreBase<K, V> implements KeyValueAccess<K, V> {
  private readonly map = new Map<string, Entry<K, V>>();
  private readonly dirty = new Set<string>();
  /** During a restore: each key's last changelog record so far. */
  private restoring: LatestValues | undefined;
  readonly needsLoad = false;
  readonly keyText: (key: K) => string;

  constructor(ctx: TaskContext, name: string, m: Materialized<K, V> = {}) {
    super(ctx, name, m);
    this.keyText = this.keys.text;
  }

  /** A store for the task, registered with its state manager (restored before the first batch). */
  static create<K, V>(ctx: TaskContext, name: string, m: Materialized<K, V> = {}): MemoryKeyValueStore<K, V> {
    return new MemoryKeyValueStore<K, V>(ctx, name, m);
  }

  /** The older form: creates the store and resolves once it is restored. */
  static async open<K, V>(name: string, ctx: TaskContext, m: Materialized<K, V> = {}): Promise<MemoryKeyValueStore<K, V>> {
    const s = new MemoryKeyValueStore<K, V>(ctx, name, m);
    await restoreNow(ctx);
    return s;
  }

  async load(): Promise<void> {}

  private decodedValue(e: Entry<K, V>): V {
    if (e.value === undefined && e.raw !== undefined) e.value = this.values.decode(typeof e.raw === 'string' ? Buffer.from(e.raw) : e.raw);
    return e.value as V;
  }

  private decodedKey(text: string, e: Entry<K, V>): K {
    if (e.key === undefined) e.key = this.keys.fromText(text);
    return e.key;
  }

  get(key: K): V | undefined {
    return this.getText(this.keyText(key));
  }

  getText(keyText: string): V | undefined {
    const e = this.map.get(keyText);
    return e === undefined ? undefined : this.decodedValue(e);
  }

  put(key: K, value: V): void {
    this.putText(this.keyText(key), key, value);
  }

  putText(keyText: string, key: K, value: V): void {
    if (value === null || value === undefined) return this.deleteText(keyText);
    // Encoded at flush (once per key and batch); a value the serde cannot write fails the commit, naming the store.
    const e = this.map.get(keyText);
    if (e) {
      e.value = value;
      e.raw = undefined;
      if (e.key === undefined) e.key = key;
    } else this.map.set(keyText, { key, value, raw: undefined });
    this.dirty.add(keyText);
  }

  delete(key: K): void {
    this.deleteText(this.keyText(key));
  }

  deleteText(keyText: string): void {
    this.map.delete(keyText);
    this.dirty.add(keyText);
  }

  *all(): Iterable<[K, V]> {
    for (const [t, e] of this.map) yield [this.decodedKey(t, e), this.decodedValue(e)];
  }

  get size(): number {
    return this.map.size;
  }

  protected queryKind(): StoreKind {
    return 'key-value';
  }

  protected scan(): Array<ScannedEntry<K, V>> {
    return [...this.map].map(([t, e]) => ({ keyText: t, key: this.decodedKey(t, e), value: this.decodedValue(e) }));
  }

  entries(): Array<[unknown, unknown]> {
    return [...this.all()];
  }

  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    for (const t of this.dirty) {
      const e = this.map.get(t);
      if (e === undefined) this.log(this.keys.bytes(t), null);
      else {
        this.log(this.keys.bytes(t), e.raw ?? this.values.encode(e.value as V));
      }
    }
    this.dirty.clear();
    this.sendLog();
  }

  protected beginRestore(): void {
    this.map.clear();
    this.dirty.clear();
    this.restoring = undefined;
  }

  protected restoreBatch(records: RecordCursor): void {
    // Only each key's last record matters: noted here, applied once at the end.
    (this.restoring ??= new LatestValues(this.keys.textOf)).add(records);
  }

  protected override endRestore(): void {
    const latest = this.restoring;
    this.restoring = undefined;
    if (!latest) return;
    for (const t of latest.deleted()) this.map.delete(t);
    for (const [t, raw] of latest.live()) {
      this.map.delete(t); // keeps the order a put of every record would give
      this.map.set(t, { key: undefined, value: undefined, raw });
    }
  }
}

/** Restores the task's stores now, for the older open() forms (the worker would before the first batch anyway). */
export async function restoreNow(ctx: TaskContext): Promise<void> {
  await (ctx as { restore?: () => Promise<void> }).restore?.();
}
