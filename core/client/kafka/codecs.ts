/**
 * kafkajs reads and writes gzip only by itself; these register snappy, lz4 and zstd (the same
 * codecs the embedded log uses, core/log/kafka-codecs.ts) so a KafkaClient consumer reads every
 * batch a Kafka producer may write, and its producer can compress as a topic's compression.type says.
 */
import kafkajs from 'kafkajs';
import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress, zstdCompress, zstdDecompress } from '../../log/kafka-codecs.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

interface KafkajsEncoder {
  buffer: Buffer;
}

function codec(compress: (raw: Uint8Array) => Buffer, decompress: (data: Uint8Array) => Buffer) {
  return () => ({
    async compress(encoder: KafkajsEncoder) {
      return compress(encoder.buffer);
    },
    async decompress(buffer: Buffer) {
      return decompress(buffer);
    },
  });
}

let registered = false;

/** Registers the codecs with kafkajs once per process. */
export function registerKafkajsCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = codec(snappyCompress, snappyDecompress);
  CompressionCodecs[CompressionTypes.LZ4] = codec(lz4Compress, lz4Decompress);
  CompressionCodecs[CompressionTypes.ZSTD] = codec((raw) => zstdCompress(raw), zstdDecompress);
}
