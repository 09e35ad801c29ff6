/**
 * Well-formed request frames for every API key and every version the broker serves (test templates
 * for the fuzz, round-trip and raw-protocol tests), encoded with the broker's own message schemas.
 */
import { apiHandler } from '../../core/broker/api.js';
import '../../core/broker/apis/index.js';
import { batchesToMessageSet } from '../../core/log/message-set.js';
import { encodeRecordBatch } from '../../core/log/record-batch.js';
import { ZERO_UUID } from '../../core/broker/schema.js';
import { Writer } from '../../core/broker/wire.js';

/** A frame with a raw body after a request header v1 (v2 with `flexible`: an empty tag section after the client id). */
export function frame(key: number, version: number, correlationId: number, body: (w: Writer) => void, clientId = 'fuzz', flexible = false): Buffer {
  return fieldFrame(key, version, correlationId, body, clientId, flexible).buf;
}

/** Where a value lies in a frame: a number of `size` bytes, or the content bytes of a string/bytes field. */
export interface Field {
  pos: number;
  size: number;
  kind: 'int' | 'content';
}

/** A Writer that notes the position of every value it writes, but not of lengths, counts and tags. */
class RecordingWriter extends Writer {
  fields: Field[] = [];
  private structural = 0;
  private note(size: number, kind: Field['kind']): void {
    if (this.structural === 0 && size > 0) this.fields.push({ pos: this.length, size, kind });
  }
  override int8(v: number): this {
    this.note(1, 'int');
    return super.int8(v);
  }
  override int16(v: number): this {
    this.note(2, 'int');
    return super.int16(v);
  }
  override int32(v: number): this {
    this.note(4, 'int');
    return super.int32(v);
  }
  override int64(v: number): this {
    this.note(8, 'int');
    return super.int64(v);
  }
  override uuid(hex: string): this {
    this.note(16, 'content');
    this.structural++;
    super.uuid(hex);
    this.structural--;
    return this;
  }
  private lengthThen(writeLength: () => void, content: Buffer | null): this {
    this.structural++;
    writeLength();
    this.structural--;
    if (content) {
      this.note(content.length, 'content');
      this.structural++;
      super.raw(content);
      this.structural--;
    }
    return this;
  }
  override nullableString(s: string | null): this {
    const b = s === null ? null : Buffer.from(s);
    return this.lengthThen(() => super.int16(b === null ? -1 : b.length), b);
  }
  override compactNullableString(s: string | null): this {
    const b = s === null ? null : Buffer.from(s);
    return this.lengthThen(() => super.uvarint(b === null ? 0 : b.length + 1), b);
  }
  override nullableBytes(b: Buffer | null): this {
    return this.lengthThen(() => super.int32(b === null ? -1 : b.length), b);
  }
  override compactNullableBytes(b: Buffer | null): this {
    return this.lengthThen(() => super.uvarint(b === null ? 0 : b.length + 1), b);
  }
  override arrayLength(n: number, compact: boolean): this {
    this.structural++;
    super.arrayLength(n, compact);
    this.structural--;
    return this;
  }
  override uvarint(v: number): this {
    this.structural++;
    super.uvarint(v);
    this.structural--;
    return this;
  }
}

/** A request frame plus the positions of its value fields (for mutations that keep it parseable). */
export function fieldFrame(key: number, version: number, correlationId: number, body: (w: Writer) => void, clientId = 'fuzz', flexible = false): { buf: Buffer; fields: Field[] } {
  const w = new RecordingWriter().int16(key).int16(version).int32(correlationId).nullableString(clientId);
  if (flexible) w.uvarint(0);
  const headerFields = w.fields.length;
  body(w);
  const fields = w.fields.slice(headerFields).map((f) => ({ ...f, pos: f.pos + 4 }));
  const payload = Buffer.concat(w.finish());
  const buf = Buffer.allocUnsafe(4 + payload.length);
  buf.writeInt32BE(payload.length, 0);
  payload.copy(buf, 4);
  return { buf, fields };
}

/** A request of `key` in `version`, encoded by the broker's schema with the right header. */
export function requestFrame(key: number, version: number, correlationId: number, value: object, clientId = 'fuzz'): { buf: Buffer; fields: Field[] } {
  const schema = apiHandler(key)!.schema;
  const full = { ...(schema.request.defaults() as object), ...value };
  return fieldFrame(key, version, correlationId, (w) => schema.request.write(w, full as never, version), clientId, version >= schema.flexibleFrom);
}

const batch = encodeRecordBatch([{ key: 'k', value: 'v' }, { key: 'k2', value: 'v2', headers: { h: 'x' } }], { now: 1_700_000_000_000 });
const messageSets = [batchesToMessageSet([batch], 0), batchesToMessageSet([batch], 1)];
const memberMetadata = Buffer.from([0, 0, 0, 0, 0, 1, 0, 4, 102, 117, 122, 122, 255, 255, 255, 255]);

/** What the templates refer to on the broker under test. */
export interface TemplateContext {
  /** Topic id of the topic "fuzz" (Fetch v13+, Metadata v12, DeleteTopics v6 name topics by id). */
  fuzzTopicId: string;
}

/**
 * One request per key, for every version: what a real client would send. `n` varies names where
 * state would pile up (JoinGroup: a fresh group each time, so no join waits on absent members).
 */
export const templates: Record<number, (v: number, n: number, ctx: TemplateContext) => object> = {
  0: (v) => ({ transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'fuzz-produce', partitionData: [{ index: 0, records: v <= 2 ? messageSets[v <= 1 ? 0 : 1] : batch }] }] }),
  1: (_v, _n, ctx) => ({
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 4096,
    topics: [{ topic: 'fuzz', topicId: ctx.fuzzTopicId, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
  }),
  2: () => ({ replicaId: -1, topics: [{ name: 'fuzz', partitions: [{ partitionIndex: 0, timestamp: -2, maxNumOffsets: 1 }] }] }),
  3: (v, _n, ctx) => ({ topics: v === 0 ? [{ name: 'fuzz' }] : [{ name: 'fuzz', topicId: ZERO_UUID }, { name: v >= 12 ? null : 'other', topicId: v >= 12 ? ctx.fuzzTopicId : ZERO_UUID }], allowAutoTopicCreation: false }),
  8: () => ({ groupId: 'fz-group', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'fuzz', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }] }),
  9: (v) => (v >= 8 ? { groups: [{ groupId: 'fz-group', topics: [{ name: 'fuzz', partitionIndexes: [0] }] }] } : { groupId: 'fz-group', topics: [{ name: 'fuzz', partitionIndexes: [0] }] }),
  10: () => ({ key: 'fz-group', keyType: 0, coordinatorKeys: ['fz-group'] }),
  11: (_v, n) => ({ groupId: `fz-join-${n}`, sessionTimeoutMs: 6000, rebalanceTimeoutMs: 50, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: memberMetadata }] }),
  12: () => ({ groupId: 'fz-group', generationId: 1, memberId: 'm' }),
  13: () => ({ groupId: 'fz-group', memberId: 'm', members: [{ memberId: 'm', groupInstanceId: null }] }),
  14: () => ({ groupId: 'fz-group', generationId: 1, memberId: 'm', assignments: [] }),
  15: () => ({ groups: ['fz-group'] }),
  16: () => ({}),
  17: () => ({ mechanism: 'PLAIN' }),
  18: () => ({ clientSoftwareName: 'fuzz', clientSoftwareVersion: '1.0' }),
  19: () => ({ topics: [{ name: 'fz-new', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] }], timeoutMs: 1000, validateOnly: true }),
  20: () => ({ topicNames: ['fz-missing'], topics: [{ name: 'fz-missing', topicId: ZERO_UUID }], timeoutMs: 1000 }),
  22: () => ({ transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }),
  21: () => ({ topics: [{ name: 'fz-missing', partitions: [{ partitionIndex: 0, offset: 0 }] }], timeoutMs: 1000 }),
  32: () => ({ resources: [{ resourceType: 2, resourceName: 'fuzz', configurationKeys: ['retention.ms', 'cleanup.policy'] }, { resourceType: 4, resourceName: '0', configurationKeys: ['num.partitions'] }], includeSynonyms: true }),
  33: () => ({ resources: [{ resourceType: 2, resourceName: 'fuzz', configs: [{ name: 'retention.ms', value: '3600000' }] }], validateOnly: true }),
  36: () => ({ authBytes: Buffer.from('\0user\0password') }),
  37: () => ({ topics: [{ name: 'fuzz', count: 2, assignments: null }], timeoutMs: 1000, validateOnly: true }),
  42: () => ({ groupsNames: ['fz-nobody'] }),
  44: () => ({ resources: [{ resourceType: 2, resourceName: 'fuzz', configs: [{ name: 'retention.ms', configOperation: 0, value: '3600000' }] }], validateOnly: true }),
  47: () => ({ groupId: 'fz-nobody', topics: [{ name: 'fuzz', partitions: [{ partitionIndex: 0 }] }] }),
  60: () => ({ includeClusterAuthorizedOperations: true, endpointType: 1 }),
};

/** Every version of a key the broker serves. */
export function versionsOf(key: number): number[] {
  const s = apiHandler(key)!.schema;
  return Array.from({ length: s.maxVersion - s.minVersion + 1 }, (_, i) => s.minVersion + i);
}
