/**
 * Which partition each record of a send goes to, shared by both producers so a key lands on the
 * same partition whichever client wrote it: the explicit partition, else murmur2 of the key (the
 * Java client's and kafkajs's default), else one sticky partition for all null-keyed records of
 * the send.
 */
import { defaultPartition, type StickyPartitioner } from '../log/partitioner.js';
import type { ProducerRecord } from './types.js';

export function partitionRecords<T>(records: ProducerRecord[], partitions: number, sticky: StickyPartitioner, convert: (r: ProducerRecord, partition: number) => T): Map<number, T[]> {
  let stickyPartition = -1;
  const byPartition = new Map<number, T[]>();
  for (const r of records) {
    let p = r.partition;
    if (p === undefined && partitions === 1) p = 0;
    if (p === undefined) {
      if (r.key !== null && r.key !== undefined) p = defaultPartition(r.key, partitions);
      else {
        if (stickyPartition < 0) stickyPartition = sticky.nextBatchPartition(partitions);
        p = stickyPartition;
      }
    }
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push(convert(r, p));
  }
  return byPartition;
}
