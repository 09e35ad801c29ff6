/**
 * The state-store contract, run on every store kind (key-value, window, session) and backend
 * (memory, and a real Redis on 127.0.0.1:6379 under a unique key prefix deleted afterwards):
 * reads see the batch's own writes, each changed key is logged once per flush, a new task is
 * rebuilt from its changelog partition by the task's state manager (restore metrics included),
 * changes never flushed are not restored, window and session stores keep what their retention
 * allows — closed or not — and drop the rest, a window store with duplicates keeps every record, and a value the default serde cannot restore
 * fails loudly while a store given a serde for it restores it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { embedded, type EmbeddedClient } from '../../../core/client/embedded/client.js';
import type { Serde } from '../../../core/serde/serde.js';
import type { MetricsRegistry } from '../../../core/worker/metrics.js';
import type { Task } from '../../../core/worker/task.js';
import { changelogTopic } from '../../../processors/stores/changelog.js';
import { encodeTimedRecord } from '../../../processors/stores/duplicate-window-codec.js';
import { KeyCells } from '../../../processors/stores/key-cells.js';
import type { Materialized } from '../../../processors/stores/materialized.js';
import { duplicateWindowStore, keyValueStore, sessionStore, windowStore } from '../../../processors/stores/open.js';
import { deleteKeysWithPrefix } from '../../../processors/stores/redis-util.js';
import { StoreSerdeError } from '../../../processors/stores/state-serde.js';
import type { WindowAccess } from '../../../processors/stores/window-store.js';
import { testTask } from '../../support/task.js';

const redis = new Redis('redis://127.0.0.1:6379');
const runPrefix = `storetest-${randomUUID()}:`;
afterAll(async () => {
  await deleteKeysWithPrefix(redis, runPrefix);
  const left = await redis.keys(`${runPrefix}*`);
  await redis.quit();
  if (left.length) throw new Error(`Redis keys under ${runPrefix} survived the tests`);
});

const backends: Array<['memory' | 'redis', (store: string) => Materialized<unknown, unknown>]> = [
  ['memory', () => ({})],
  ['redis', (store) => ({ backend: 'redis', redis, prefix: `${runPrefix}${store}:` })],
];

async function list<T>(it: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function changelog(client: EmbeddedClient, topic: string, partition = 0): Promise<Array<[string, Buffer | null]>> {
  const { engine } = await client.deps();
  const { records } = await engine.readRecords(topic, partition, 0, 1 << 24);
  return records.map((r) => [r.key!.toString(), r.value]);
}

/** Puts value v in window `start` of key k the way a windowed aggregation does (entry, then changed). */
function windowPut(s: WindowAccess<string, number>) {
  return (k: string, start: number, v: number) => {
    const e = s.entry(JSON.stringify(k), k, start);
    e.value = v;
    e.ts = start;
    s.changed(e);
  };
}

/** What the worker does at the end of a batch: commit hooks (stores flush), then the task's sends become durable. */
const commit = (task: Task) => task.flush();

for (const [backend, mat] of backends) {
  describe(`state store contract: ${backend}`, () => {
    const clients: EmbeddedClient[] = [];
    afterEach(async () => {
      for (const c of clients.splice(0)) await c.close();
    });

    async function setup(store: string, partitions = 1) {
      const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
      clients.push(client);
      const appId = `st-${backend}-${randomUUID().slice(0, 8)}`;
      await client.admin().createTopic(changelogTopic(appId, store), { partitions, config: { 'cleanup.policy': 'compact' } });
      return { client, appId, topic: changelogTopic(appId, store), task: (p = 0) => testTask(client, appId, p) };
    }

    it('key-value: restores a changelog longer than one Redis pipeline chunk (25 000 keys, 10 000 per chunk)', async () => {
      const { task } = await setup('many');
      const n = 25_000;
      const keys = Array.from({ length: n }, (_, i) => `k${i}`);
      const t = task();
      const s = keyValueStore<string, number>(t, 'many', mat('many') as Materialized<string, number>);
      await t.restore();
      await s.load(keys.map((k) => JSON.stringify(k)));
      keys.forEach((k, i) => s.put(k, i));
      await commit(t);
      await t.close();
      const again = task();
      const r = keyValueStore<string, number>(again, 'many', mat('many') as Materialized<string, number>);
      await again.restore();
      const all = new Map(await list(r.all()));
      expect(all.size).toBe(n);
      expect([all.get('k0'), all.get('k9999'), all.get('k10000'), all.get('k24999')]).toEqual([0, 9999, 10000, 24999]);
      await again.close();
    });

    it('key-value: reads its own writes, logs each changed key once per flush, and a new task restores it', async () => {
      const { client, topic, task } = await setup('profiles', 2);
      for (const p of [0, 1]) {
        const t = task(p);
        const s = keyValueStore<unknown, unknown>(t, 'profiles', mat('profiles'));
        await t.restore();
        await s.load(['"ann"', '{"id":2}', '"bob"']);
        s.put('ann', { age: 30, p });
        s.put({ id: 2 }, [1, 2]);
        s.put('bob', 'x');
        s.delete('bob');
        expect(await s.get('ann')).toEqual({ age: 30, p });
        expect(await s.get('bob')).toBeUndefined();
        await commit(t);
        await s.load(['"ann"']);
        s.put('ann', { age: 31, p });
        await commit(t);
        expect((await changelog(client, topic, p)).map(([k, v]) => [k, v && JSON.parse(v.toString())])).toEqual([
          ['"ann"', { age: 30, p }],
          ['{"id":2}', [1, 2]],
          ['"bob"', null],
          ['"ann"', { age: 31, p }],
        ]);
        // Not flushed: never restored (the batch that made it replays).
        await s.load(['"lost"']);
        s.put('lost', 1);
        await t.close();
      }
      for (const p of [0, 1]) {
        const t = task(p);
        const s = keyValueStore<unknown, unknown>(t, 'profiles', mat('profiles'));
        await t.restore();
        expect(new Map((await list(s.all())).map(([k, v]) => [JSON.stringify(k), v]))).toEqual(
          new Map<string, unknown>([
            ['"ann"', { age: 31, p }],
            ['{"id":2}', [1, 2]],
          ]),
        );
        expect((t.metrics as MetricsRegistry).total('sluice_restore_records_total')).toBe(4);
        expect((t.metrics as MetricsRegistry).total('sluice_restore_remaining_records')).toBe(0);
        await t.close();
      }
    });

    it('key-value: a value JSON cannot restore fails the flush naming the store; a store with a serde for it restores it', async () => {
      const { task } = await setup('carts');
      const t = task();
      const plain = keyValueStore<string, unknown>(t, 'carts', mat('carts') as Materialized<string, unknown>);
      await t.restore();
      await plain.load(['"ann"']);
      plain.put('ann', { items: new Map([['apple', 2]]) });
      await expect(plain.flush()).rejects.toThrow(StoreSerdeError);
      await expect(plain.flush()).rejects.toThrow(/store "carts": the value holds a Map at "items"/);
      await t.close();

      const mapSerde: Serde<Map<string, number>> = {
        serialize: (m) => Buffer.from(JSON.stringify([...m])),
        deserialize: (b) => new Map(JSON.parse(b!.toString()) as Array<[string, number]>),
      };
      const { task: task2 } = await setup('carts2');
      const m = { ...mat('carts2'), value: mapSerde } as Materialized<string, Map<string, number>>;
      const t2 = task2();
      const s = keyValueStore(t2, 'carts2', m);
      await t2.restore();
      await s.load(['"ann"']);
      s.put('ann', new Map([['apple', 2], ['pear', 1]]));
      await commit(t2);
      await t2.close();
      const t3 = task2();
      const again = keyValueStore(t3, 'carts2', m);
      await t3.restore();
      await again.load(['"ann"']);
      expect(await again.get('ann')).toEqual(new Map([['apple', 2], ['pear', 1]]));
      await t3.close();
    });

    it('window: range reads by start, retention keeps closed windows and drops expired ones, restore rebuilds the same', async () => {
      const { client, topic, task } = await setup('counts');
      // Retention 2000: a window is expired once its start is <= the largest start written - 2000.
      const spec = { size: 1000, retentionMs: 2000 };
      const m = mat('counts') as Materialized<string, number>;
      const t = task();
      const s = windowStore<string, number>(t, 'counts', m, spec);
      await t.restore();
      await s.load(['"a"', '"b"']);
      for (const [k, start, v, ts] of [
        ['b', 1000, 1, 1500],
        ['a', 1000, 2, 1100],
        ['a', 2000, 3, 2999],
        ['a', 3000, 4, 3001],
      ] as const) {
        const e = s.entry(JSON.stringify(k), k, start);
        e.value = v;
        e.ts = ts;
        s.changed(e);
      }
      s.streamTime = 3001;
      expect(s.find('"a"', 2000)).toMatchObject({ value: 3, ts: 2999 });
      expect((await s.range(0, 5000, true)).map((e) => [e.key, e.start, e.value])).toEqual([
        ['a', 1000, 2],
        ['b', 1000, 1],
        ['a', 2000, 3],
        ['a', 3000, 4],
      ]);
      await commit(t);
      // Start 4000 makes 1000 and 2000 expired (<= 4000 - 2000); 3000 is closed but retained.
      await s.load(['"b"']);
      const e = s.entry('"b"', 'b', 4000);
      e.value = 9;
      e.ts = 4000;
      s.changed(e);
      s.streamTime = 4000;
      await commit(t);
      expect((await s.range(0, 5000, true)).map((x) => [x.key, x.start, x.value, x.ts])).toEqual([
        ['a', 3000, 4, 3001],
        ['b', 4000, 9, 4000],
      ]);
      expect(await list(s.fetchAll(0, 5000))).toEqual([
        ['a', 3000, 4],
        ['b', 4000, 9],
      ]);
      // The changelog read as a table holds only what is retained, and the stream time.
      const live = new Map<string, Buffer>();
      for (const [k, v] of await changelog(client, topic)) {
        if (v === null) live.delete(k);
        else live.set(k, v);
      }
      expect([...live.keys()].sort()).toEqual(['"__streamTime"', '["\\"a\\"",3000]', '["\\"b\\"",4000]']);
      // A write into an expired window is dropped, as Kafka's stores do.
      s.put('a', 1000, 5);
      await commit(t);
      expect(await list(s.fetch('a', 0, 5000))).toEqual([[3000, 4]]);
      await t.close();

      const t2 = task();
      const again = windowStore<string, number>(t2, 'counts', m, spec);
      await t2.restore();
      expect(again.streamTime).toBe(4000);
      expect((await again.range(-Infinity, Infinity, true)).map((x) => [x.key, x.start, x.value, x.ts])).toEqual([
        ['a', 3000, 4, 3001],
        ['b', 4000, 9, 4000],
      ]);
      await t2.close();
    });

    it.runIf(backend === 'memory')('window: windows made and expired between two flushes are never logged; logged ones that expire are tombstoned; restore rebuilds the same', async () => {
      const { client, task, topic } = await setup('shortlived');
      const spec = { size: 1000, retentionMs: 1500 };
      const m = mat('shortlived') as Materialized<string, number>;
      const t = task();
      const s = windowStore<string, number>(t, 'shortlived', m, spec);
      await t.restore();
      const put = windowPut(s);
      put('a', 0, 1); // logged at the first flush, expired by the second: tombstoned
      await commit(t);
      put('b', 1000, 2); // made and expired before the second flush: never logged
      put('c', 1000, 3);
      put('a', 4000, 4); // retention: starts <= 4000 - 1500 expire
      put('b', 4000, 5);
      s.streamTime = 4000;
      await commit(t);
      const log = await changelog(client, topic);
      const windowKeys = log.filter(([k]) => k.startsWith('['));
      expect(windowKeys.map(([k, v]) => [k, v === null])).toEqual([
        ['["\\"a\\"",0]', false],
        ['["\\"a\\"",0]', true],
        ['["\\"a\\"",4000]', false],
        ['["\\"b\\"",4000]', false],
      ]);
      await t.close();
      const t2 = task();
      const again = windowStore<string, number>(t2, 'shortlived', m, spec);
      await t2.restore();
      expect((await again.range(-Infinity, Infinity, true)).map((e) => [e.key, e.start, e.value])).toEqual([
        ['a', 4000, 4],
        ['b', 4000, 5],
      ]);
      // Restored windows are in the changelog: when they expire they are tombstoned too.
      windowPut(again)('c', 8000, 6);
      again.streamTime = 8000;
      await commit(t2);
      const after = (await changelog(client, topic)).filter(([k]) => k.startsWith('[')).slice(windowKeys.length);
      expect(after.map(([k, v]) => [k, v === null])).toEqual([
        ['["\\"a\\"",4000]', true],
        ['["\\"b\\"",4000]', true],
        ['["\\"c\\"",8000]', false],
      ]);
      await t2.close();
    });

    it.runIf(backend === 'memory')('window: keys that come back after their windows expired (past the bound of idle keys kept) and windows removed alone keep range by key in key order, and restore rebuilds the same', async () => {
      const { task } = await setup('drift');
      const spec = { size: 1000, retentionMs: 2000 };
      const m = mat('drift') as Materialized<string, number>;
      const t = task();
      const s = windowStore<string, number>(t, 'drift', m, spec);
      await t.restore();
      const put = windowPut(s);
      // 70 000 keys in start 0, then a few in 3000: start 0 expires, and its keys outnumber the idle keys a store keeps.
      for (let i = 0; i < 70_000; i++) put(`k${i}`, 0, i);
      await commit(t);
      for (const k of ['z', 'b', 'k7']) put(k, 3000, 1);
      s.streamTime = 3000;
      await commit(t);
      // Old keys come back in 4000 beside new ones; one window is removed alone (a tombstone).
      const back = ['k69999', 'k5', 'a', 'k123', 'b', 'k7', 'é', 'k10'];
      back.forEach((k, i) => put(k, 4000, i));
      s.put('k123', 4000, null);
      s.put('z', 3000, null);
      s.streamTime = 4000;
      await commit(t);
      const want = [
        ['b', 3000],
        ['k7', 3000],
        ...back.filter((k) => k !== 'k123').map((k) => [JSON.stringify(k), k] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([, k]) => [k, 4000]),
      ];
      expect((await s.range(0, 5000, true)).map((e) => [e.key, e.start])).toEqual(want);
      expect(s.find('"k123"', 4000)).toBeUndefined();
      await t.close();
      const t2 = task();
      const again = windowStore<string, number>(t2, 'drift', m, spec);
      await t2.restore();
      expect((await again.range(-Infinity, Infinity, true)).map((e) => [e.key, e.start])).toEqual(want);
      await t2.close();
    });

    it('window with duplicates: keeps every record of a key and time, fetches a key over a time range in time then arrival order, retention without tombstones, removal tombstoned, restore rebuilds the same', async () => {
      const { client, topic, task } = await setup('buffer');
      const m = mat('buffer') as Materialized<string, string>;
      // Retention 100: a record is expired once its time is <= the largest time put - 100.
      const spec = { retentionMs: 100 };
      const t = task();
      const s = duplicateWindowStore<string, string>(t, 'buffer', m, spec);
      await t.restore();
      await s.load(['"a"', '"b"']);
      s.add('"a"', 'a', 1000, 'a1');
      s.add('"a"', 'a', 1000, 'a2'); // same key and time: kept beside a1
      s.add('"a"', 'a', 990, 'a0'); // out of order: fetched before the others
      s.add('"b"', 'b', 1000, 'b1');
      const gone = s.add('"a"', 'a', 1050, 'gone')!;
      const fetchValues = (key: string, from: number, to: number) => s.fetchText(JSON.stringify(key), from, to).map((r) => [r.ts, r.value]);
      expect(fetchValues('a', 990, 1000)).toEqual([[990, 'a0'], [1000, 'a1'], [1000, 'a2']]);
      expect(fetchValues('a', 995, 2000)).toEqual([[1000, 'a1'], [1000, 'a2'], [1050, 'gone']]);
      s.remove(gone);
      expect(s.range(0, 5000).map((r) => [r.key, r.ts, r.value])).toEqual([['a', 990, 'a0'], ['a', 1000, 'a1'], ['a', 1000, 'a2'], ['b', 1000, 'b1']]);
      s.streamTime = 1000;
      await commit(t);
      // Time 1095 expires 990 (<= 1095 - 100) but not 1000.
      await s.load(['"c"']);
      s.add('"c"', 'c', 1095, 'c1');
      expect(s.add('"c"', 'c', 990, 'late')).toBeNull(); // already expired: refused, as Kafka's stores do
      await commit(t);
      await s.loadUpTo(Infinity);
      expect(s.range(-Infinity, Infinity).map((r) => [r.key, r.ts, r.value])).toEqual([['a', 1000, 'a1'], ['a', 1000, 'a2'], ['b', 1000, 'b1'], ['c', 1095, 'c1']]);
      expect(await list(s.fetch('a', 0, 5000))).toEqual([[1000, 'a1'], [1000, 'a2']]);
      // A removed record's slot is tombstoned when no record takes it (`gone` never reached the
      // changelog: nothing to tombstone); an expired one's is not (a restore drops it by its time).
      await s.load(['"b"']);
      s.remove(s.fetchText('"b"', 0, 5000)[0]!);
      await commit(t);
      const records = await changelog(client, topic);
      expect(records.filter(([, v]) => v === null).length).toBe(1);
      expect(new Set(records.map(([k]) => k)).size).toBeLessThanOrEqual(6 + 1); // slots + stream time
      await t.close();

      const t2 = task();
      const again = duplicateWindowStore<string, string>(t2, 'buffer', m, spec);
      await t2.restore();
      expect(again.streamTime).toBe(1000);
      await again.loadUpTo(Infinity);
      expect(again.range(-Infinity, Infinity).map((r) => [r.key, r.ts, r.value])).toEqual([['a', 1000, 'a1'], ['a', 1000, 'a2'], ['c', 1095, 'c1']]);
      // A new record takes a free slot (of an expired or removed record), not a new one.
      await again.load(['"d"']);
      const d = again.add('"d"', 'd', 1099, 'd1')!;
      expect(d.slot).toBeLessThan(6);
      expect(again.fetchText('"a"', 0, 2000).map((r) => r.value)).toEqual(['a1', 'a2']);
      await commit(t2);
      await t2.close();
    });

    it('window with duplicates, changelog packed (a join\'s sides): many records per changelog record, a removal rewrites its chunk, expiry frees chunks for reuse, and each restore rebuilds the same', async () => {
      const { client, topic, task } = await setup('packed');
      const m = mat('packed') as Materialized<string, string>;
      const spec = { retentionMs: 1000, packChangelog: true };
      const contents = (s: ReturnType<typeof duplicateWindowStore<string, string>>) => s.range(-Infinity, Infinity).map((r) => `${r.key}@${r.ts}=${r.value}`);
      const restored = async () => {
        const t = task();
        const s = duplicateWindowStore<string, string>(t, 'packed', m, spec);
        await t.restore();
        await s.loadUpTo(Infinity);
        return { t, s };
      };
      const { t, s } = await restored();
      // 3 000 records of ~90 bytes: more than one 64 KiB chunk; keys repeat, times repeat.
      const keys = Array.from({ length: 40 }, (_, i) => JSON.stringify(`key-${i}`));
      await s.load(keys);
      for (let i = 0; i < 3000; i++) s.add(keys[i % 40]!, `key-${i % 40}`, 10_000 + Math.floor(i / 7), `value ${i} ${'x'.repeat(i % 50)}`);
      await commit(t);
      await s.loadUpTo(Infinity);
      const first = contents(s);
      expect(first).toHaveLength(3000);
      let log = await changelog(client, topic);
      if (backend === 'memory') expect(log.filter(([k]) => k.startsWith('[')).length).toBeLessThan(10);
      const chunksBefore = new Set(log.map(([k]) => k).filter((k) => k.startsWith('[')));
      {
        const r = await restored();
        expect(contents(r.s)).toEqual(first);
        await r.t.close();
      }
      // A removal rewrites its chunk without the record: a restore does not bring it back.
      await s.load([keys[3]!]);
      const victim = s.fetchText(keys[3]!, 10_200, 10_300)[2]!;
      s.remove(victim);
      await commit(t);
      await s.loadUpTo(Infinity);
      const second = contents(s);
      expect(second).toEqual(first.filter((e) => e !== `${victim.key}@${victim.ts}=${victim.value}`));
      {
        const r = await restored();
        expect(contents(r.s)).toEqual(second);
        await r.t.close();
      }
      // Time 11 299 expires everything at or below 10 299; later records take the freed chunks.
      await s.load(keys);
      for (let i = 0; i < 600; i++) s.add(keys[i % 40]!, `key-${i % 40}`, 11_000 + Math.floor(i / 2), `late ${i}`);
      await commit(t);
      await s.loadUpTo(Infinity);
      const third = contents(s);
      // Expired: at or below 11 299 - 1 000.
      expect(third.filter((e) => Number(e.split('@')[1]!.split('=')[0]) <= 10_299)).toEqual([]);
      expect(third.filter((e) => !e.includes('late')).length).toBeGreaterThan(0);
      expect(third.filter((e) => e.includes('late')).length).toBe(600);
      log = await changelog(client, topic);
      if (backend === 'memory') expect(new Set(log.map(([k]) => k).filter((k) => k.startsWith('['))).size).toBeLessThan(10);
      // The later records reused the freed chunk numbers: no chunk key beyond the first flush's.
      if (backend === 'memory') expect(new Set(log.map(([k]) => k).filter((k) => k.startsWith('[')))).toEqual(chunksBefore);
      await t.close();
      const r = await restored();
      expect(contents(r.s)).toEqual(third);
      await r.t.close();
    });

    it('window with duplicates, changelog packed: values given as their bytes (the whole Buffer, or a range of a larger one) are logged as given and restore', async () => {
      const { task } = await setup('packed-raw');
      const m = mat('packed-raw') as Materialized<string, string>;
      const spec = { retentionMs: 1000, packChangelog: true };
      const t = task();
      const s = duplicateWindowStore<string, string>(t, 'packed-raw', m, spec);
      await t.restore();
      const k = JSON.stringify('k');
      await s.load([k]);
      s.add(k, 'k', 10, 'whole', Buffer.from(JSON.stringify('whole')));
      const batch = Buffer.from(`xx${JSON.stringify('ranged')}yy`);
      s.add(k, 'k', 11, 'ranged', batch, 2, batch.length - 2);
      await commit(t);
      await t.close();
      const t2 = task();
      const r = duplicateWindowStore<string, string>(t2, 'packed-raw', m, spec);
      await t2.restore();
      await r.loadUpTo(Infinity);
      expect(r.range(-Infinity, Infinity).map((e) => `${e.ts}=${e.value}`)).toEqual(['10=whole', '11=ranged']);
      await t2.close();
    });

    if (backend === 'memory')
      it('window with duplicates: a changelog of records logged one per slot (the format before chunks) restores, and is logged again in chunks at the next flush', async () => {
        const { client, topic, task } = await setup('slots');
        const m = mat('slots') as Materialized<string, string>;
        const spec = { retentionMs: 100, packChangelog: true };
        const p = client.producer();
        const rec = (ts: number, seq: number, key: string, value: string) => encodeTimedRecord({ ts, seq, keyText: JSON.stringify(key) }, Buffer.from(JSON.stringify(value)));
        await p.send(topic, [
          { key: '0', value: rec(1000, 0, 'a', 'a1'), partition: 0 },
          { key: '1', value: rec(1000, 1, 'b', 'b1'), partition: 0 },
          { key: '2', value: rec(850, 2, 'a', 'expired'), partition: 0 },
          { key: '3', value: rec(990, 3, 'a', 'a0'), partition: 0 },
          { key: '1', value: null, partition: 0 },
        ]);
        const t = task();
        const s = duplicateWindowStore<string, string>(t, 'slots', m, spec);
        await t.restore();
        const contents = (x: typeof s) => x.range(-Infinity, Infinity).map((r) => `${r.key}@${r.ts}=${r.value}`);
        expect(contents(s)).toEqual(['a@990=a0', 'a@1000=a1']);
        // A new record takes a slot freed by the restore (1 and 2), not a new one.
        expect(s.add('"c"', 'c', 1001, 'c1')!.slot).toBeLessThan(4);
        await commit(t);
        const latest = new Map(await changelog(client, topic));
        expect([latest.get('0'), latest.get('2'), latest.get('3')]).toEqual([null, null, null]);
        await t.close();
        const t2 = task();
        const again = duplicateWindowStore<string, string>(t2, 'slots', m, spec);
        await t2.restore();
        expect(contents(again)).toEqual(['a@990=a0', 'a@1000=a1', 'c@1001=c1']);
        await t2.close();
      });

    it('windows with duplicates sharing one key index (the stores of a join): each store sees only its own records of a key, expiry and removal in one leave the other alone, and a restore of one keeps the other', async () => {
      const { client, appId } = await setup('left');
      await client.admin().createTopic(changelogTopic(appId, 'right'), { partitions: 1, config: { 'cleanup.policy': 'compact' } });
      const spec = (retentionMs: number) => ({ retentionMs, sharedKeys: new KeyCells<unknown>() });
      const shared = spec(100);
      const t = testTask(client, appId, 0);
      const left = duplicateWindowStore<string, string>(t, 'left', mat('left') as Materialized<string, string>, shared);
      const right = duplicateWindowStore<string, string>(t, 'right', mat('right') as Materialized<string, string>, { ...shared, retentionMs: 1000 });
      await t.restore();
      await left.load(['"a"', '"b"', '"c"']);
      await right.load(['"a"', '"b"']);
      const values = (s: typeof left, key: string) => s.fetchText(JSON.stringify(key), 0, 5000).map((r) => r.value);
      expect(values(right, 'a')).toEqual([]); // asked before any store holds the key
      left.add('"a"', 'a', 1000, 'L1');
      right.add('"a"', 'a', 1000, 'R1');
      right.add('"a"', 'a', 1001, 'R2');
      left.add('"b"', 'b', 1000, 'Lb');
      expect([values(left, 'a'), values(right, 'a'), values(right, 'b')]).toEqual([['L1'], ['R1', 'R2'], []]);
      right.remove(right.fetchText('"a"', 1001, 1001)[0]!);
      expect([values(left, 'a'), values(right, 'a')]).toEqual([['L1'], ['R1']]);
      // Time 1200 expires the left store's records at 1000 (retention 100), not the right store's (1000).
      left.add('"c"', 'c', 1200, 'Lc');
      await commit(t);
      await left.load(['"a"', '"b"', '"c"']);
      await right.load(['"a"', '"b"']);
      expect([values(left, 'a'), values(left, 'b'), values(right, 'a')]).toEqual([[], [], ['R1']]);
      left.add('"a"', 'a', 1201, 'L2');
      await commit(t);
      await t.close();

      // Restored in a new task, one store after the other, sharing a fresh index.
      const t2 = testTask(client, appId, 0);
      const shared2 = spec(100);
      const left2 = duplicateWindowStore<string, string>(t2, 'left', mat('left') as Materialized<string, string>, shared2);
      const right2 = duplicateWindowStore<string, string>(t2, 'right', mat('right') as Materialized<string, string>, { ...shared2, retentionMs: 1000 });
      await t2.restore();
      await left2.load(['"a"', '"c"']);
      await right2.load(['"a"']);
      expect([values(left2, 'a'), values(left2, 'c'), values(right2, 'a')]).toEqual([['L2'], ['Lc'], ['R1']]);
      await t2.close();
    });

    it('session: finds overlapping sessions, merges by remove and put, retention, and restore rebuilds the same', async () => {
      const { task } = await setup('sessions');
      const m = mat('sessions') as Materialized<string, number>;
      const t = task();
      const s = sessionStore<string, number>(t, 'sessions', m, { retentionMs: 1000 });
      await t.restore();
      await s.load(['"u"', '"v"']);
      s.putSession('"u"', 'u', 0, 100, 2);
      s.putSession('"u"', 'u', 500, 700, 5);
      s.putSession('"v"', 'v', 50, 60, 1);
      expect(await list(s.findSessions('u', 90, 600))).toEqual([
        [{ start: 0, end: 100 }, 2],
        [{ start: 500, end: 700 }, 5],
      ]);
      expect(await list(s.findSessions('u', 101, 600))).toEqual([[{ start: 500, end: 700 }, 5]]);
      await commit(t);
      // A record at 300 (gap 250) bridges both sessions of u: they are replaced by [0, 700].
      await s.load(['"u"']);
      for (const x of s.sessions('"u"').filter((x) => x.end >= 300 - 250 && x.start <= 300 + 250)) s.removeSession(x);
      s.putSession('"u"', 'u', 0, 700, 8);
      await commit(t);
      expect((await s.range(-Infinity, Infinity)).map((x) => [x.key, x.start, x.end, x.value])).toEqual([
        ['v', 50, 60, 1],
        ['u', 0, 700, 8],
      ]);
      // A session ending at 1100 expires those that ended at or before 100 (v's); u's is retained though closed.
      await s.load(['"w"']);
      s.putSession('"w"', 'w', 1100, 1100, 1);
      s.streamTime = 1100;
      await commit(t);
      expect((await s.range(-Infinity, Infinity)).map((x) => [x.key, x.start, x.end])).toEqual([
        ['u', 0, 700],
        ['w', 1100, 1100],
      ]);
      await t.close();

      const t2 = task();
      const again = sessionStore<string, number>(t2, 'sessions', m, { retentionMs: 1000 });
      await t2.restore();
      expect(again.streamTime).toBe(1100);
      expect((await again.range(-Infinity, Infinity)).map((x) => [x.key, x.start, x.end, x.value])).toEqual([
        ['u', 0, 700, 8],
        ['w', 1100, 1100, 1],
      ]);
      await again.load(['"u"']);
      expect(await list(again.findSessions('u', 0, 1000))).toEqual([[{ start: 0, end: 700 }, 8]]);
      await t2.close();
    });
  });
}
