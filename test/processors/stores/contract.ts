/**
 * The key-value store contract, as a function any store implementation runs against itself:
 *
 *   keyValueStoreContract('redis', { open: (name, task, prefix) => RedisKeyValueStore.open(name, task, { redis, prefix }), cleanup })
 *
 * Every test gets its own embedded log (in memory), app id and key prefix, and `cleanup(prefix)`
 * deletes whatever the test left in an external backend. Window and session stores follow the
 * same pattern (window-contract.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { embedded } from '../../../core/client/embedded/client.js';
import type { EmbeddedClient } from '../../../core/client/embedded/client.js';
import type { TaskContext } from '../../../core/worker/contracts.js';
import type { Task } from '../../../core/worker/task.js';
import { changelogTopic } from '../../../processors/stores/changelog.js';
import type { KeyValueStore } from '../../../processors/types.js';
import { testTask } from '../../support/task.js';

export interface KeyValueStoreImpl {
  /** Opens (and restores) the store `name` for a task; `prefix` is unique to the test. */
  open(name: string, task: TaskContext, prefix: string): Promise<KeyValueStore<unknown, unknown>>;
  /** Removes what a test stored under `prefix` outside the log (Redis keys). */
  cleanup?(prefix: string): Promise<void>;
}

async function contents(store: KeyValueStore<unknown, unknown>): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for await (const [k, v] of store.all() as AsyncIterable<[unknown, unknown]>) out.set(JSON.stringify(k), v);
  return out;
}

async function changelog(client: EmbeddedClient, topic: string, partition = 0): Promise<Array<[string, unknown]>> {
  const { engine } = await client.deps();
  const { records } = await engine.readRecords(topic, partition, 0, 1 << 24);
  return records.map((r) => [r.key!.toString(), r.value === null ? null : JSON.parse(r.value.toString())]);
}

/** What the worker does at the end of a batch: the store flushes, then the task makes its sends durable. */
async function commit(store: KeyValueStore<unknown, unknown>, task: Task): Promise<void> {
  await store.flush();
  await task.flush();
}

export function keyValueStoreContract(impl: string, kv: KeyValueStoreImpl): void {
  describe(`key-value store contract: ${impl}`, () => {
    const opened: Array<{ client: EmbeddedClient; prefix: string }> = [];
    afterEach(async () => {
      for (const { client, prefix } of opened.splice(0)) {
        await kv.cleanup?.(prefix);
        await client.close();
      }
    });

    /** A fresh log with the store's changelog topic (2 partitions), and a way to make tasks on it. */
    async function setup(partitions = 2) {
      const client = embedded({ memory: true, maintenanceIntervalMs: 0 });
      const appId = `kv-${impl}-${randomUUID().slice(0, 8)}`;
      const prefix = `kvtest-${randomUUID()}:`;
      opened.push({ client, prefix });
      const name = 'profiles';
      await client.admin().createTopic(changelogTopic(appId, name), { partitions, config: { 'cleanup.policy': 'compact' } });
      const task = (partition = 0): Task => testTask(client, appId, partition);
      const open = (t: TaskContext) => kv.open(name, t, `${prefix}${t.partition}:`);
      return { client, appId, name, topic: changelogTopic(appId, name), task, open };
    }

    it('reads its own writes before and after flush; overwrites and deletes', async () => {
      const { task, open } = await setup();
      const t = task();
      const store = await open(t);
      expect(await store.get('nobody')).toBeUndefined();
      store.put('ann', { age: 30 });
      store.put({ id: 2 }, [1, 2]);
      store.put(7, 'seven');
      store.put('bob', 'x');
      store.delete('bob');
      store.delete('never-there');
      expect(await store.get('ann')).toEqual({ age: 30 });
      expect(await store.get({ id: 2 })).toEqual([1, 2]);
      expect(await store.get(7)).toBe('seven');
      expect(await store.get('bob')).toBeUndefined();
      await commit(store, t);
      store.put('ann', { age: 31 });
      expect(await store.get('ann')).toEqual({ age: 31 });
      await commit(store, t);
      expect(await store.get('ann')).toEqual({ age: 31 });
      expect(await contents(store)).toEqual(new Map<string, unknown>([['"ann"', { age: 31 }], ['{"id":2}', [1, 2]], ['7', 'seven']]));
      await store.close();
    });

    it('all() includes unflushed writes and leaves out unflushed deletes', async () => {
      const { task, open } = await setup();
      const t = task();
      const store = await open(t);
      store.put('a', 1);
      store.put('b', 2);
      await commit(store, t);
      store.put('c', 3);
      store.delete('a');
      expect(await contents(store)).toEqual(new Map([['"b"', 2], ['"c"', 3]]));
      await store.close();
    });

    it('logs each changed key once per flush (latest value, null for a delete) and nothing when clean', async () => {
      const { client, task, open, topic } = await setup();
      const t = task();
      const store = await open(t);
      store.put('a', 1);
      store.put('a', 2);
      store.put('b', 1);
      store.delete('b');
      await commit(store, t);
      expect(await changelog(client, topic)).toEqual([['"a"', 2], ['"b"', null]]);
      await commit(store, t);
      expect(await changelog(client, topic)).toHaveLength(2);
      await store.close();
    });

    it('a new task is rebuilt from its own changelog partition with identical contents', async () => {
      const { task, open } = await setup();
      for (const p of [0, 1]) {
        const t = task(p);
        const s = await open(t);
        for (let i = 0; i < 50; i++) s.put(`k${i}`, { p, i });
        for (let i = 0; i < 50; i += 5) s.delete(`k${i}`);
        await commit(s, t);
        s.put('k1', { p, i: 'last' });
        await commit(s, t);
        await s.close();
      }
      for (const p of [0, 1]) {
        const again = await open(task(p));
        const expected = new Map<string, unknown>();
        for (let i = 0; i < 50; i++) if (i % 5 !== 0) expected.set(`"k${i}"`, { p, i: i === 1 ? 'last' : i });
        expect(await contents(again)).toEqual(expected);
        expect(await again.get('k0')).toBeUndefined();
        await again.close();
      }
    });

    it('changes not flushed before a crash are not restored (the batch replays them)', async () => {
      const { task, open } = await setup();
      const t = task();
      const s = await open(t);
      s.put('kept', 1);
      await commit(s, t);
      s.put('lost', 2);
      s.delete('kept');
      await s.close(); // no flush: the batch never committed
      const again = await open(task());
      expect(await contents(again)).toEqual(new Map([['"kept"', 1]]));
      await again.close();
    });
  });
}
