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
  // Lists by partition number (a send touches at most every partition), and the order the
  // partitions were first met in, which the returned Map keeps: an array index per record
  // instead of a Map lookup.
  const lists: Array<T[] | undefined> = [];
  const order: number[] = [];
  let others: Map<number, T[]> | undefined;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    let p = r.partition;
    if (p === undefined && partitions === 1) p = 0;
    if (p === undefined) {
      if (r.key !== null && r.key !== undefined) p = defaultPartition(r.key, partitions);
      else {
        if (stickyPartition < 0) stickyPartition = sticky.nextBatchPartition(partitions);
        p = stickyPartition;
      }
    }
    const inRange = p >= 0 && p < partitions && Number.isInteger(p);
    let list = inRange ? lists[p] : others?.get(p);
    if (!list) {
      list = [];
      // A partition the topic does not have stays in the answer: the append to it is refused.
      if (inRange) lists[p] = list;
      else (others ??= new Map()).set(p, list);
      order.push(p);
    }
    list.push(convert(r, p));
  }
  const byPartition = new Map<number, T[]>();
  for (const p of order) byPartition.set(p, lists[p] ?? others!.get(p)!);
  return byPartition;
}
