/**
 * How a segment's batches are read for readers that hand records out (a consumer's poll, a
 * reader's cursors, readAll): the bytes are read into one buffer reused by every such read, and
 * each whole batch is then copied into a buffer of its own size, which its records' key and value
 * views point into.
 *
 * Why not a fresh buffer per read: a poll read its ~1 MiB into a new buffer, and on this VM that
 * was the largest single cost of P1 and R1 (page faults in readSync on memory the C allocator had
 * just returned to the system, then V8 collecting for that external memory): BENCHMARKS.md, issue
 * 21. Buffers of one batch (~100 KiB for 1 000 small records) come from the allocator's heap and
 * are recycled by it. Why not hand out views of the reused buffer: records' keys and values are
 * Buffers a pipeline may keep (in a store, a join's buffer, its own variables) for as long as it
 * likes; a batch's own buffer stays valid while anything points into it, and a kept record holds
 * only its batch, not the whole read.
 */
import type { SegmentFile } from './segment-file.js';

/** Larger reads (a batch this big) get a buffer of their own rather than growing the shared one for good. */
const MAX_SHARED = 8 << 20;
let shared = Buffer.allocUnsafe(1 << 20);

/** Bytes [pos, pos+len) of the file, valid only until the next call: the caller copies what it keeps. */
export function readTransient(file: SegmentFile, pos: number, len: number): Buffer {
  if (len > MAX_SHARED) return file.read(pos, len);
  if (shared.length < len) shared = Buffer.allocUnsafe(len);
  return shared.subarray(0, file.readInto(shared, 0, pos, len));
}

/** bytes[start, end) in a buffer of its own. */
export function ownCopy(bytes: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  bytes.copy(out, 0, start, end);
  return out;
}
