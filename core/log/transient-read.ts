/**
 * Reads whose bytes are kept only in part: a consumer's poll (Partition.readRecords) reads about
 * maxBytes of batches but decodes only as many as its record budget takes. Such a read goes into
 * one buffer reused by every transient read, and the batches that are decoded are copied, each
 * into a buffer of its own size, which their records' key and value views point into.
 *
 * Why: a poll used to read into a fresh buffer of maxBytes (1 MiB by default, 8 MiB in P2), all
 * of it new memory even when the budget took a fraction (a partition's share of a poll), and new
 * memory was the largest single cost of reading on this VM (page faults in readSync, then V8
 * collecting for that external memory: BENCHMARKS.md, issue 21). Why not views of the reused
 * buffer: keys and values are Buffers a pipeline may keep (in a store, a join's buffer, its own
 * variables) as long as it likes; a batch's own buffer stays valid while anything points into it,
 * and a kept record holds its batch, not the whole read.
 */
import type { SegmentFile } from './segment-file.js';

/** Larger reads (a batch this big) get a buffer of their own rather than growing the shared one for good. */
const MAX_SHARED = 16 << 20;
let shared = Buffer.allocUnsafe(1 << 20);

/** Bytes [pos, pos+len) of the file, valid only until the next call: the caller copies what it keeps. */
export function readTransient(file: SegmentFile, pos: number, len: number): Buffer {
  if (len > MAX_SHARED) return file.read(pos, len);
  if (shared.length < len) shared = Buffer.allocUnsafe(len);
  return shared.subarray(0, file.readInto(shared, 0, pos, len));
}

/** The bytes in a buffer of their own. */
export function ownCopy(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  out.set(bytes);
  return out;
}
