/**
 * snappy, lz4 and zstd as Kafka frames them inside a record batch (attribute codecs 2, 3, 4), over
 * native libraries with prebuilt binaries (README "Dependencies" says why each):
 *
 * - snappy: the Java client writes xerial snappy-java's stream format (magic "\x82SNAPPY\0",
 *   version 1, compatible version 1, then blocks of [i32 length, raw snappy]); librdkafka writes a
 *   bare raw snappy block. Both decode here; Sluice writes the xerial form, which every client reads.
 * - lz4: the LZ4 frame format (Kafka's KafkaLZ4BlockOutputStream, librdkafka's LZ4F).
 * - zstd: a plain zstd frame.
 */
import { Decoder as ZstdDecoder, Encoder as ZstdEncoder } from '@toondepauw/node-zstd';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import snappy from 'snappy';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16;
/** snappy-java's default block size. */
const XERIAL_BLOCK = 32 * 1024;

export function snappyCompress(raw: Uint8Array): Buffer {
  const input = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const parts: Buffer[] = [Buffer.alloc(XERIAL_HEADER)];
  XERIAL_MAGIC.copy(parts[0]!, 0);
  parts[0]!.writeInt32BE(1, 8);
  parts[0]!.writeInt32BE(1, 12);
  for (let pos = 0; pos < input.length || pos === 0; pos += XERIAL_BLOCK) {
    const block = snappy.compressSync(input.subarray(pos, Math.min(input.length, pos + XERIAL_BLOCK)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
    if (input.length === 0) break;
  }
  return Buffer.concat(parts);
}

export function snappyDecompress(data: Uint8Array): Buffer {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < XERIAL_HEADER || !buf.subarray(0, 8).equals(XERIAL_MAGIC)) return snappy.uncompressSync(buf) as Buffer;
  const out: Buffer[] = [];
  let pos = XERIAL_HEADER;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new Error('xerial snappy stream ends inside a block length');
    const len = buf.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > buf.length) throw new Error(`xerial snappy block of ${len} bytes runs past the end`);
    out.push(snappy.uncompressSync(buf.subarray(pos, pos + len)) as Buffer);
    pos += len;
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}

export function lz4Compress(raw: Uint8Array): Buffer {
  return compressFrameSync(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
}

export function lz4Decompress(data: Uint8Array): Buffer {
  return decompressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

const zstdEncoders = new Map<number, ZstdEncoder>();
const zstdDecoder = new ZstdDecoder();

/** zstd at `level` (Kafka's compression.zstd.level, default 3). */
export function zstdCompress(raw: Uint8Array, level = 3): Buffer {
  let enc = zstdEncoders.get(level);
  if (!enc) zstdEncoders.set(level, (enc = new ZstdEncoder(level)));
  return enc.encodeSync(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
}

export function zstdDecompress(data: Uint8Array): Buffer {
  return zstdDecoder.decodeSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}
