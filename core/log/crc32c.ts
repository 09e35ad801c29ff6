/**
 * CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2. @node-rs/crc32 uses the CPU's
 * CRC instruction (about 6 GB/s here against 0.45 GB/s for kafkajs's table), which is the single
 * largest factor in encode/decode speed (docs/notes/recordbatch.md).
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

export function crc32c(data: Uint8Array): number {
  return nativeCrc32c(data as Buffer) >>> 0;
}
