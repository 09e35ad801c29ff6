/**
 * Which changelog record (chunk) holds each record of an in-memory window store with duplicates.
 *
 * Why chunks: a join logs every record it buffers. One changelog record per buffered record cost
 * a quarter of P3's CPU (a Buffer view, a produce record and the log's per-record encoding each;
 * BENCHMARKS.md, issue 21 item 3, 2026-12-04 evening). So the records a flush logs are packed into
 * changelog records of up to `maxBytes` each, keyed by a chunk number (`[n]`), which a later flush
 * reuses once every record of the chunk has expired. A restore reads every chunk and drops the
 * records expired by their time, as it did with one record per key.
 *
 * Removal (a record taken out before it expired) rewrites its chunk at the next flush with the
 * chunk's records still alive (or tombstones it when none is), so a restore never brings it back.
 * A store whose records are removed one by one (the join's held records) uses `maxBytes` 0: one
 * record per chunk, so a removal is one tombstone, not a rewrite of its neighbours.
 */
import { encodeChunks, type ChunkSource, type ChunkValue } from './chunk-codec.js';
import { NumberPool } from './number-pool.js';

/** What a chunk knows of a record. */
export interface ChunkMember extends ChunkSource {
  /** Its chunk, -1 until a flush logs it. */
  chunk: number;
  alive: boolean;
  /** Its value; undefined while only its bytes are known (restored, not yet read). */
  readonly value: unknown;
  /** Bytes to log as they are (see ChunkSource), dropped once logged unless the value is still undecoded. */
  rawBody: Buffer | null;
}

/** A chunk's changelog key: its number as a JSON array (a record logged alone under its slot had a number). */
const chunkKeys: string[] = [];
export const chunkKey = (chunk: number): string => chunkKeys[chunk] ?? (chunkKeys[chunk] = `[${chunk}]`);

/** Logged: raw bytes are let go (they hold their batch's memory) unless the value is still undecoded. */
function dropRaw(records: readonly ChunkMember[]): void {
  for (const e of records) if (e.value !== undefined) e.rawBody = null;
}

export class ChangelogChunks<E extends ChunkMember> {
  /** Each chunk's records as logged (some may have expired or been removed since). */
  private members: Array<E[] | undefined> = [];
  /** Each chunk's records still alive. */
  private live: number[] = [];
  /** Chunks to rewrite at the next flush (a record of theirs was removed). */
  private rewrite: number[] = [];
  private rewriteMark: boolean[] = [];
  private readonly numbers = new NumberPool();
  /** Records added since the last flush. */
  private pending: E[] = [];
  /** Keys to tombstone at the next flush (records a restore read under their slot: they are logged again in chunks). */
  private stale: string[] = [];

  constructor(private readonly maxBytes: number) {}

  added(e: E): void {
    this.pending.push(e);
  }

  /** After a record left the store: `removed` (taken out) rewrites its chunk; expired ones only count down. */
  dropped(e: E, removed: boolean): void {
    const c = e.chunk;
    if (c < 0) return;
    const left = --this.live[c]!;
    if (removed) {
      if (!this.rewriteMark[c]) {
        this.rewriteMark[c] = true;
        this.rewrite.push(c);
      }
    } else if (left === 0 && !this.rewriteMark[c]) this.release(c);
  }

  private release(c: number): void {
    this.members[c] = undefined;
    this.numbers.release(c);
  }

  /**
   * Logs what changed since the last flush: removed records' chunks rewritten or tombstoned, then
   * the new records packed into chunks. `bytes(e)` is a record's value bytes, for one without raw bytes.
   */
  flush(bytes: (e: E) => Buffer | string, log: (key: string, value: Buffer | null) => void): void {
    const valueOf = (e: E): ChunkValue => (e.rawBody !== null ? null : bytes(e));
    for (const key of this.stale) log(key, null);
    this.stale = [];
    const rewrite = this.rewrite;
    this.rewrite = [];
    for (const c of rewrite) {
      this.rewriteMark[c] = false;
      const alive = this.members[c]!.filter((e) => e.alive);
      if (alive.length === 0) {
        log(chunkKey(c), null);
        this.release(c);
        continue;
      }
      this.members[c] = alive;
      const [only] = encodeChunks(alive, alive.map(valueOf), Infinity);
      log(chunkKey(c), only!.bytes);
      dropRaw(alive);
    }
    const pending = this.pending;
    this.pending = [];
    let n = 0;
    for (const e of pending) if (e.alive) pending[n++] = e;
    pending.length = n;
    if (n === 0) return;
    const values = new Array<ChunkValue>(n);
    for (let i = 0; i < n; i++) values[i] = valueOf(pending[i]!);
    for (const { from, to, bytes: b } of encodeChunks(pending, values, this.maxBytes)) {
      const c = this.numbers.take();
      const members = from === 0 && to === n ? pending : pending.slice(from, to);
      for (const e of members) e.chunk = c;
      this.members[c] = members;
      this.live[c] = members.length;
      log(chunkKey(c), b);
    }
    dropRaw(pending);
  }

  /** Before a restore: nothing is logged. */
  clear(): void {
    this.members = [];
    this.live = [];
    this.rewrite = [];
    this.rewriteMark = [];
    this.numbers.reset(-1, () => false);
    this.pending = [];
    this.stale = [];
  }

  /** While restoring: a record read from chunk `c` (alive: not expired). */
  restored(e: E, c: number): void {
    e.chunk = c;
    (this.members[c] ??= []).push(e);
    this.live[c] = (this.live[c] ?? 0) + 1;
  }

  /** After a restore: chunks up to `highest` that hold no live record are free; `stale` keys are tombstoned at the next flush. */
  restoredAll(highest: number, stale: string[]): void {
    this.numbers.reset(highest, (c) => this.members[c] !== undefined);
    this.stale = stale;
  }
}
