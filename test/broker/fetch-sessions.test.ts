/**
 * Fetch sessions (KIP-227), isolation_level, last_stable_offset and log_start_offset, through raw
 * Fetch requests (kafkajs and librdkafka 2.0.2 never open a session; the Java client does, with
 * exactly these request shapes).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FetchSessions } from '../../core/broker/fetch-sessions.js';
import { ZERO_UUID } from '../../core/broker/schema.js';
import { RawClient } from './raw-client.js';
import { testBroker } from './support.js';

const broker = await testBroker({ autoCreateTopics: false });
await broker.engine.createTopic('fs-a', { partitions: 2 });
await broker.engine.createTopic('fs-b', { partitions: 1 });
const id = (t: string) => broker.engine.describeTopic(t).topicId;
const client = await RawClient.connect(broker.port);
afterAll(() => client.close());

interface FetchAnswer {
  errorCode: number;
  sessionId: number;
  responses: Array<{ topic: string; topicId: string; partitions: Array<{ partitionIndex: number; errorCode: number; highWatermark: number; lastStableOffset: number; logStartOffset: number; abortedTransactions: unknown[] | null; preferredReadReplica: number; records: Buffer }> }>;
}

function fetch(version: number, sessionId: number, sessionEpoch: number, parts: Array<[string, number, number]>, opts: { forgotten?: Array<[string, number]>; maxWaitMs?: number; isolationLevel?: number } = {}): Promise<FetchAnswer> {
  const byTopic = new Map<string, Array<{ partition: number; fetchOffset: number; partitionMaxBytes: number }>>();
  for (const [t, p, offset] of parts) {
    if (!byTopic.has(t)) byTopic.set(t, []);
    byTopic.get(t)!.push({ partition: p, fetchOffset: offset, partitionMaxBytes: 1 << 20 });
  }
  return client.request<FetchAnswer>(1, version, {
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: 1 << 24,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId,
    sessionEpoch,
    topics: [...byTopic].map(([t, partitions]) => ({ topic: t, topicId: id(t), partitions })),
    forgottenTopicsData: (opts.forgotten ?? []).map(([t, p]) => ({ topic: t, topicId: id(t), partitions: [p] })),
  });
}

const answered = (a: FetchAnswer) => a.responses.flatMap((t) => t.partitions.map((p) => `${t.topic || t.topicId}/${p.partitionIndex}`)).sort();

describe('fetch sessions', () => {
  it('opens a session, then answers only what changed, forgets partitions and checks epochs', async () => {
    await broker.engine.append('fs-a', 0, [{ value: 'a0' }]);
    const full = await fetch(12, 0, 0, [['fs-a', 0, 0], ['fs-a', 1, 0], ['fs-b', 0, 0]]);
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).toBeGreaterThan(0);
    expect(answered(full)).toEqual(['fs-a/0', 'fs-a/1', 'fs-b/0']);
    const session = full.sessionId;

    // Epoch 1: the client moved past the record it got; nothing new, so an empty incremental
    // answer (after max_wait).
    const quiet = await fetch(12, session, 1, [['fs-a', 0, 1]], { maxWaitMs: 50 });
    expect(quiet.errorCode).toBe(0);
    expect(quiet.sessionId).toBe(session);
    expect(answered(quiet)).toEqual([]);

    // A partition the request does not name wakes the fetch and is answered alone.
    const waiting = fetch(12, session, 2, [], { maxWaitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    await broker.engine.append('fs-b', 0, [{ value: 'b0' }, { value: 'b1' }]);
    const woke = await waiting;
    expect(answered(woke)).toEqual(['fs-b/0']);
    const b = woke.responses[0]!.partitions[0]!;
    expect(b.highWatermark).toBe(2);
    expect(b.records.length).toBeGreaterThan(0);

    // The client moves its offset on fs-b and forgets fs-a/1.
    await broker.engine.append('fs-a', 1, [{ value: 'a1' }]);
    const next = await fetch(12, session, 3, [['fs-b', 0, 2]], { forgotten: [['fs-a', 1]] });
    expect(answered(next)).toEqual([]);

    // Wrong epoch, unknown session.
    expect((await fetch(12, session, 7, [])).errorCode).toBe(71);
    expect((await fetch(12, session + 1, 1, [])).errorCode).toBe(70);

    // Epoch −1 closes it.
    const closing = await fetch(12, session, -1, [['fs-a', 0, 1]]);
    expect(closing.errorCode).toBe(0);
    expect(closing.sessionId).toBe(0);
    expect((await fetch(12, session, 4, [])).errorCode).toBe(70);
  });

  it('names topics by id from v13, and answers UNKNOWN_TOPIC_ID for an id it does not know', async () => {
    const a = await client.request<FetchAnswer>(1, 13, {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      sessionEpoch: -1,
      topics: [
        { topicId: id('fs-a'), partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
        { topicId: 'ab'.repeat(16), partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
      ],
    });
    const byId = new Map(a.responses.map((t) => [t.topicId, t.partitions[0]!]));
    expect(byId.get(id('fs-a'))!.errorCode).toBe(0);
    expect(byId.get(id('fs-a'))!.records.length).toBeGreaterThan(0);
    expect(byId.get('ab'.repeat(16))!.errorCode).toBe(100);
    expect(a.responses.every((t) => t.topicId !== ZERO_UUID)).toBe(true);
  });

  it('fills last_stable_offset and log_start_offset, and answers aborted transactions by isolation level', async () => {
    await broker.engine.createTopic('fs-c', { partitions: 1 });
    await broker.engine.append('fs-c', 0, Array.from({ length: 10 }, (_, i) => ({ value: String(i) })));
    await broker.engine.deleteRecords('fs-c', 0, 4);
    for (const isolationLevel of [0, 1]) {
      const a = await fetch(11, 0, -1, [['fs-c', 0, 4]], { isolationLevel });
      const p = a.responses[0]!.partitions[0]!;
      expect(p.errorCode).toBe(0);
      expect(p.highWatermark).toBe(10);
      expect(p.lastStableOffset).toBe(10);
      expect(p.logStartOffset).toBe(4);
      expect(p.preferredReadReplica).toBe(-1);
      expect(p.abortedTransactions).toEqual(isolationLevel === 1 ? [] : null);
    }
    // Below the log start: OFFSET_OUT_OF_RANGE, with the log start to reset to.
    const below = (await fetch(11, 0, -1, [['fs-c', 0, 1]])).responses[0]!.partitions[0]!;
    expect(below.errorCode).toBe(1);
    expect(below.logStartOffset).toBe(4);
  });

  it('evicts the least recently used session when the cache is full', () => {
    const cache = new FetchSessions(2);
    const s1 = cache.open();
    const s2 = cache.open();
    cache.get(s1.id);
    const s3 = cache.open();
    expect(cache.get(s2.id)).toBeUndefined();
    expect(cache.get(s1.id)).toBe(s1);
    expect(cache.get(s3.id)).toBe(s3);
  });
});
