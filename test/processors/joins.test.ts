import { describe, expect, it } from 'vitest';
import { readTopic, testLog } from '../support/log.js';
import { changelogTopic } from '../../processors/stores/changelog.js';
import { mulberry32 } from '../../bench/lib.js';
import { app } from '../../processors/streams-app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { bytes, ChangelogFormatError, join, json, joinStoreNames, joinTable, leftJoin, leftJoinTable, outerJoin, string, TestDriver, to, type JoinOptions } from '../../processors/index.js';
import { decodeTimedRecord, encodeTimedRecords } from '../../processors/stores/duplicate-window-codec.js';
import { decodeChunk } from '../../processors/stores/chunk-codec.js';
import { map } from 'rxjs';
import type { Rec } from '../../processors/types.js';
import { BACKENDS, storeBackends, type Backend } from './conformance/support.js';

// The join cases run on both store backends: memory, and a real Redis on 127.0.0.1:6379 under a
// key prefix of their own, deleted after each case.
const backends = storeBackends();
const storeOn = (backend: Backend): Pick<JoinOptions, 'store'> => ({ store: backends.on(backend) });

type Order = { id: number; customer: string };
type Customer = { name: string; tier: number };

/** A seeded mix of table updates (some deletes) and stream records, in timestamp order. */
function inputs(n: number, seed: number) {
  const rnd = mulberry32(seed);
  const ops: Array<{ topic: 'customers' | 'orders'; key: string; value: unknown; ts: number }> = [];
  for (let i = 0; i < n; i++) {
    const key = `c${Math.floor(rnd() * 8)}`;
    if (rnd() < 0.4) ops.push({ topic: 'customers', key, value: rnd() < 0.2 ? null : { name: `name-${i}`, tier: i % 3 }, ts: 1000 + i });
    else ops.push({ topic: 'orders', key, value: { id: i, customer: key }, ts: 1000 + i });
  }
  return ops;
}

function oracle(ops: ReturnType<typeof inputs>, left: boolean) {
  const table = new Map<string, Customer>();
  const out: Array<[string, unknown]> = [];
  for (const op of ops) {
    if (op.topic === 'customers') {
      if (op.value === null) table.delete(op.key);
      else table.set(op.key, op.value as Customer);
      continue;
    }
    const row = table.get(op.key);
    if (row === undefined && !left) continue;
    out.push([op.key, { order: (op.value as Order).id, customer: row?.name ?? null }]);
  }
  return out;
}

describe('stream-table joins against an oracle', () => {
  for (const backend of BACKENDS)
  for (const left of [false, true]) {
    it(`${left ? 'left' : 'inner'} join sees the table as of each record's time (table store: ${backend})`, async () => {
      const ops = inputs(600, left ? 2 : 1);
      const store = backends.on(backend);
      const d = new TestDriver((a) => {
        const customers = a.table<string, Customer>('customers', { key: string(), store });
        const joiner = (o: Order, c: Customer | null) => ({ order: o.id, customer: c?.name ?? null });
        a.stream<string, Order>('orders', { key: string() }).pipe(left ? leftJoinTable(customers, joiner) : joinTable(customers, joiner), to('enriched', { key: string() }));
      });
      const rnd = mulberry32(9);
      for (let i = 0; i < ops.length; ) {
        // Consecutive records of one topic go in together, as a worker batch would bring them.
        let j = i + 1;
        while (j < ops.length && ops[j]!.topic === ops[i]!.topic && rnd() < 0.7) j++;
        await d.pipeInput(ops[i]!.topic, ops.slice(i, j).map((o) => ({ key: Buffer.from(o.key), value: o.value, timestamp: o.ts })));
        i = j;
      }
      expect(d.output('enriched').map((r) => [r.key, r.value])).toEqual(oracle(ops, left));
      await d.close();
    });
  }

  it('refuses a table that is not co-partitioned with the stream, naming both topics', async () => {
    const { client } = await testLog();
    await client.admin().createTopic('orders', { partitions: 3 });
    await client.admin().createTopic('customers', { partitions: 2 });
    const a = app({ id: 'j', log: client, logger: silentLogger });
    a.stream('orders').pipe(joinTable(a.table('customers'), (o, c) => [o, c]), to('out'));
    await expect(a.start()).rejects.toThrow(/"orders" \(3 partitions\) and "customers" \(2 partitions\)/);
    await client.close();
  });

  it('joins a stream with a table through the worker, deletes included', async () => {
    const log = await testLog();
    const client = log.client;
    await client.admin().createTopic('orders', { partitions: 2 });
    await client.admin().createTopic('customers', { partitions: 2 });
    const p = client.producer();
    await p.send('customers', [{ key: 'c1', value: JSON.stringify({ name: 'Ann', tier: 1 }), timestamp: 1 }, { key: 'c2', value: JSON.stringify({ name: 'Bob', tier: 2 }), timestamp: 1 }, { key: 'c2', value: null, timestamp: 2 }]);
    await p.send('orders', [{ key: 'c1', value: JSON.stringify({ id: 1, customer: 'c1' }), timestamp: 10 }, { key: 'c2', value: JSON.stringify({ id: 2, customer: 'c2' }), timestamp: 10 }]);
    const engine = log.engine;
    const a = app({ id: 'jr', log: log.connect(), logger: silentLogger });
    a.stream<string, Order>('orders', { key: string() }).pipe(leftJoinTable(a.table<string, Customer>('customers', { key: string() }), (o: Order, c: Customer | null) => `${o.id}:${c?.name ?? '-'}`), to('out', { key: string() }));
    await a.start();
    await a.idle(200);
    const out = [];
    for (let i = 0; i < 2; i++) out.push(...(await engine.readRecords('out', i, 0, 1 << 20)).records.map((r) => JSON.parse(r.value!.toString())));
    expect(out.sort()).toEqual(['1:Ann', '2:-']);
    await a.stop();
    await client.close();
  });

  for (const backend of BACKENDS)
    it(`reads a table row that does not deserialize as no row and dead-letters its record (${backend})`, async () => {
      const log = await testLog();
      const client = log.client;
      await client.admin().createTopic('orders', { partitions: 1 });
      await client.admin().createTopic('customers', { partitions: 1 });
      const p = client.producer();
      // Before the app starts: c3's row is not JSON.
      await p.send('customers', [{ key: 'c1', value: JSON.stringify({ name: 'Ann', tier: 1 }), timestamp: 1 }, { key: 'c3', value: '{not json', timestamp: 1 }]);
      const a = app({ id: 'jm', log: log.connect(), logger: silentLogger });
      const customers = a.table<string, Customer>('customers', { key: string(), store: backends.on(backend) });
      a.stream<string, Order>('orders', { key: string() }).pipe(leftJoinTable(customers, (o: Order, c: Customer | null) => `${o.id}:${c?.name ?? '-'}`), to('out', { key: string() }));
      await a.start();
      await p.send('orders', [{ key: 'c1', value: JSON.stringify({ id: 1, customer: 'c1' }), timestamp: 10 }, { key: 'c3', value: JSON.stringify({ id: 3, customer: 'c3' }), timestamp: 10 }]);
      await a.idle(200);
      // While it runs: a malformed update of c1 is dead-lettered and Ann's row stays.
      await p.send('customers', [{ key: 'c1', value: '{bad', timestamp: 20 }]);
      await a.idle(200);
      await p.send('orders', [{ key: 'c1', value: JSON.stringify({ id: 4, customer: 'c1' }), timestamp: 30 }]);
      await a.idle(200);
      const out = (await readTopic(log.engine, 'out')).map((r) => JSON.parse(r.value!.toString()) as string);
      expect(out.sort()).toEqual(['1:Ann', '3:-', '4:Ann']);
      const dead = await readTopic(log.engine, 'jm.dlq');
      // Each malformed row is dead-lettered once, as the table's topic goes through the task.
      expect(dead.map((r) => r.value?.toString()).sort()).toEqual(['{bad', '{not json']);
      await a.stop();
      await client.close();
    });
});

describe('stream-stream joins against an oracle', () => {
  type Ev = { side: 'L' | 'R'; key: string; ts: number; id: number };
  const D = 50;
  const GRACE = 20;

  function evs(n: number, seed: number): Ev[] {
    const rnd = mulberry32(seed);
    const out: Ev[] = [];
    for (let i = 0; i < n; i++) out.push({ side: rnd() < 0.5 ? 'L' : 'R', key: `k${Math.floor(rnd() * 5)}`, ts: 1000 + i * 7 + Math.round((rnd() - 0.5) * 120), id: i });
    return out;
  }

  /** A join window: a left record at t joins right records in [t − before, t + after]. */
  type Win = { before: number; after: number; grace: number };
  const SYM: Win = { before: D, after: D, grace: GRACE };

  /**
   * Brute force over Kafka Streams' rules, one record per batch (docs/architecture.md):
   * each side's buffer shows records with t > (its largest timestamp) − (before + after + grace);
   * every record with a key and value is looked up against the other side's visible records, even
   * one too late to be buffered itself; an unmatched record of an outer side is emitted with null
   * at once if t + lookback + grace < stream time (lookback: after for left, before for right),
   * otherwise held until a record at stream time finds its window closed.
   */
  function oracle(all: Ev[], type: 'inner' | 'left' | 'outer', w: Win = SYM) {
    const retention = w.before + w.after + w.grace;
    let st = -Infinity;
    const sideTime = { L: -Infinity, R: -Infinity };
    const buffered: Ev[] = [];
    const held = new Set<Ev>();
    const out: string[] = [];
    const outer = (side: 'L' | 'R') => type === 'outer' || (type === 'left' && side === 'L');
    const lookback = (side: 'L' | 'R') => (side === 'L' ? w.after : w.before);
    const alone = (k: Ev) => (k.side === 'L' ? `${k.key}:${k.id}+null@${k.ts}` : `${k.key}:null+${k.id}@${k.ts}`);
    for (const e of all) {
      st = Math.max(st, e.ts);
      sideTime[e.side] = Math.max(sideTime[e.side], e.ts);
      if (e.ts === st) {
        for (const k of held) {
          if (k.ts + lookback(k.side) + w.grace < st) {
            held.delete(k);
            out.push(alone(k));
          }
        }
      }
      let matched = false;
      for (const o of buffered) {
        if (o.side === e.side || o.key !== e.key || o.ts <= sideTime[o.side] - retention) continue;
        const [l, r] = e.side === 'L' ? [e, o] : [o, e];
        if (r.ts < l.ts - w.before || r.ts > l.ts + w.after) continue;
        out.push(`${e.key}:${l.id}+${r.id}@${Math.max(l.ts, r.ts)}`);
        matched = true;
        held.delete(o);
      }
      if (!matched && outer(e.side)) {
        if (e.ts + lookback(e.side) + w.grace < st) out.push(alone(e));
        else held.add(e);
      }
      if (e.ts > sideTime[e.side] - retention) buffered.push(e);
    }
    return out.sort();
  }

  /** The most records a join holds at once: visible ones until their 250 ms bucket is past, and held ones. */
  function peakBuffered(all: Ev[], type: 'inner' | 'left' | 'outer' = 'outer', w: Win = SYM): number {
    const retention = w.before + w.after + w.grace;
    const sideTime = { L: -Infinity, R: -Infinity };
    let listed: Ev[] = [];
    let peak = 0;
    for (const e of all) {
      sideTime[e.side] = Math.max(sideTime[e.side], e.ts);
      if (e.ts > sideTime[e.side] - retention) listed.push(e);
      peak = Math.max(peak, listed.length);
      listed = listed.filter((x) => x.ts - (x.ts % 250) + 249 > sideTime[x.side] - retention);
    }
    // Held records that are no longer visible are few (at most the records of one grace period);
    // the bound leaves room for them.
    return peak + (type === 'inner' ? 0 : Math.ceil(all.length / 20));
  }

  /**
   * Runs an outer join (left/right topics, output 'joined') in a worker that is stopped and started
   * again after the first `restartAt` events; returns the joined records as the oracle writes them.
   */
  async function joinAcrossRestart(
    log: Awaited<ReturnType<typeof testLog>>,
    all: Ev[],
    restartAt: number,
    appId: string,
    value: (e: Ev) => string | Buffer,
    pipe: (a: ReturnType<typeof app>) => void,
  ): Promise<string[]> {
    await log.client.admin().createTopic('left', { partitions: 1 });
    await log.client.admin().createTopic('right', { partitions: 1 });
    const run = async (evs: Ev[]) => {
      const p = log.client.producer();
      for (const e of evs) await p.send(e.side === 'L' ? 'left' : 'right', [{ key: e.key, value: value(e), timestamp: e.ts }]);
      const a = app({ id: appId, log: log.connect(), logger: silentLogger, batch: { maxRecords: 30 } });
      pipe(a);
      await a.start();
      await a.idle(300);
      await a.stop();
    };
    await run(all.slice(0, restartAt));
    await run(all.slice(restartAt));
    return (await readTopic(log.engine, 'joined')).map((r) => {
      const v = JSON.parse(r.value!.toString()) as { l: number | null; r: number | null };
      return `${r.key!.toString()}:${v.l}+${v.r}@${r.timestamp}`;
    });
  }

  for (const backend of BACKENDS) {
    it(`a restarted worker continues the join from its stores' changelogs (${backend})`, async () => {
      // In timestamp order, so the worker's merge of the two topics sees the oracle's order.
      const rnd = mulberry32(99);
      const all: Ev[] = Array.from({ length: 400 }, (_, i) => ({ side: rnd() < 0.5 ? 'L' : 'R', key: `k${Math.floor(rnd() * 5)}`, ts: 1000 + i * 7, id: i }));
      const log = await testLog();
      const store = storeOn(backend);
      // The restart falls where records of both sides are buffered, unmatched, within reach.
      const got = await joinAcrossRestart(log, all, 200, 'jrs', (e) => JSON.stringify(e), (a) =>
        a.stream<string, Ev>('left', { key: string() }).pipe(
          outerJoin({ topic: 'right', key: string() }, (l: Ev | null, r: Ev | null) => ({ l: l?.id ?? null, r: r?.id ?? null }), { within: D, grace: GRACE, name: 'pairs', ...store }),
          to('joined', { key: string() }),
        ),
      );
      expect(got.sort()).toEqual(oracle(all, 'outer'));
      // Slots of records that expired before the restart were freed by the restore and reused.
      const names = joinStoreNames('outer', 'pairs');
      for (const [name, side] of [[names.left, 'L'], [names.right, 'R']] as const) {
        const keys = new Set((await readTopic(log.engine, changelogTopic('jrs', name))).map((r) => r.key!.toString()).filter((k) => k !== '"__streamTime"'));
        expect(keys.size).toBeLessThanOrEqual(peakBuffered(all.filter((e) => e.side === side), 'inner') + 30);
      }
      await log.client.close();
    });
  }

  for (const backend of BACKENDS)
  it(`restores values of any serde: a string stream joined with a bytes stream, across a restart (${backend})`, async () => {
    // The changelog holds the serdes' bytes: a bytes() value comes back as a Buffer, not as
    // the object JSON would make of it.
    const rnd = mulberry32(7);
    const all: Ev[] = Array.from({ length: 300 }, (_, i) => ({ side: rnd() < 0.5 ? 'L' : 'R', key: `k${Math.floor(rnd() * 5)}`, ts: 1000 + i * 7, id: i }));
    const log = await testLog();
    const value = (e: Ev) => (e.side === 'L' ? `left-${e.id}` : Buffer.from([e.id >> 8, e.id & 0xff]));
    const got = await joinAcrossRestart(log, all, 150, 'jserde', value, (a) =>
      a.stream<string, string>('left', { key: string(), value: string() }).pipe(
        outerJoin(
          { topic: 'right', key: string(), value: bytes() },
          (l: string | null, r: Buffer | null) => ({ l: l === null ? null : Number(l.slice(5)), r: r === null ? null : Buffer.isBuffer(r) ? r.readUInt16BE(0) : `not bytes: ${JSON.stringify(r)}` }),
          { within: D, grace: GRACE, name: 'pairs', serdes: { value: string() }, ...storeOn(backend) },
        ),
        to('joined', { key: string() }),
      ),
    );
    expect(got.sort()).toEqual(oracle(all, 'outer'));
    await log.client.close();
  });

  it('logs left values as read only when nothing before the join could have changed them', async () => {
    // Left values in JSON with spaces: bytes logged as read keep them, values serialized again do not.
    // The window holds every record until the end, so each is logged.
    const log = await testLog();
    await log.client.admin().createTopic('left', { partitions: 1 });
    await log.client.admin().createTopic('right', { partitions: 1 });
    const p = log.client.producer();
    const n = 60;
    for (let i = 0; i < n; i++) {
      await p.send('left', [{ key: `k${i % 7}`, value: `{ "id" : ${i} }`, timestamp: 1000 + 10 * i }]);
      await p.send('right', [{ key: `k${i % 7}`, value: `{"r":${i}}`, timestamp: 1005 + 10 * i }]);
    }
    type L = { id: number };
    const mutate = map((r: Rec<string, L>) => {
      r.value.id += 1000; // in place: the join's record is the decoder's object, its value changed
      return r;
    });
    const joiner = (l: L, r: { r: number }) => ({ l: l.id, r: r.r });
    const cases: Array<[string, (a: ReturnType<typeof app>) => void, (i: number) => string]> = [
      ['alone', (a) => a.stream<string, L>('left', { key: string() }).pipe(join({ topic: 'right', key: string() }, joiner, { within: 1000, name: 'j' }), to('out-alone', { key: string() })), (i) => `{ "id" : ${i} }`],
      ['mapped', (a) => a.stream<string, L>('left', { key: string() }).pipe(mutate, join({ topic: 'right', key: string() }, joiner, { within: 1000, name: 'j' }), to('out-mapped', { key: string() })), (i) => JSON.stringify({ id: i + 1000 })],
      [
        'fanout',
        (a) => {
          const s = a.stream<string, L>('left', { key: string() });
          s.pipe(to('copy', { key: string() }));
          s.pipe(join({ topic: 'right', key: string() }, joiner, { within: 1000, name: 'j' }), to('out-fanout', { key: string() }));
        },
        (i) => JSON.stringify({ id: i }),
      ],
      [
        // A timestamp extractor is user code given the value first: it may change it.
        'extractor',
        (a) =>
          a
            .stream<string, L>('left', {
              key: string(),
              timestamp: (v: L, r) => {
                v.id += 1000;
                return r.timestamp;
              },
            })
            .pipe(join({ topic: 'right', key: string() }, joiner, { within: 1000, name: 'j' }), to('out-extractor', { key: string() })),
        (i) => JSON.stringify({ id: i + 1000 }),
      ],
      ['own serde', (a) => a.stream<string, L>('left', { key: string() }).pipe(join({ topic: 'right', key: string() }, joiner, { within: 1000, name: 'j', serdes: { value: json<L>() } }), to('out-serde', { key: string() })), (i) => JSON.stringify({ id: i })],
    ];
    for (const [id, pipe, logged] of cases) {
      const a = app({ id: `raw-${id.replace(' ', '-')}`, log: log.connect(), logger: silentLogger, batch: { maxRecords: 16 } });
      pipe(a);
      await a.start();
      await a.idle(300);
      await a.stop();
      const changelog = await readTopic(log.engine, changelogTopic(a.id, joinStoreNames('inner', 'j').left));
      const values = new Map<number, string>();
      for (const r of changelog) {
        const key = r.key!.toString();
        if (!key.startsWith('[') || r.value === null) continue;
        for (const c of decodeChunk('t', key, r.value, 0)) values.set(c.seq, c.body.toString('utf8', c.valueStart, c.valueEnd));
      }
      expect([...values.values()], id).toEqual(Array.from({ length: n }, (_, i) => logged(i)));
      // Results do not depend on the path: each left record joins its right partner.
      const out = (await readTopic(log.engine, `out-${id.split(' ').at(-1)}`)).map((r) => JSON.parse(r.value!.toString()) as { l: number; r: number });
      expect(new Set(out.filter((o) => o.r === o.l % 1000).map((o) => o.r)).size, id).toBe(n);
    }
    await log.client.close();
  });

  it('refuses a join store changelog record it cannot read, naming the topic to delete', () => {
    const [entry] = encodeTimedRecords([{ ts: 1234.5, seq: 3, keyText: 'k€' }], [Buffer.from([1, 2])]);
    expect(decodeTimedRecord('t', '0', entry!)).toEqual({ ts: 1234.5, seq: 3, keyText: 'k€', value: Buffer.from([1, 2]) });
    expect(() => decodeTimedRecord('app-pairs-this-join-store-changelog', '3', Buffer.from('{"s":"L"}'))).toThrow(ChangelogFormatError);
    expect(() => decodeTimedRecord('app-pairs-this-join-store-changelog', '3', Buffer.from('{"s":"L","k":"a","t":1234567890}'))).toThrow(/delete the topic app-pairs-this-join-store-changelog/);
  });

  const windows: Array<[string, Win]> = [
    ['within 50 ms, grace 20 ms', SYM],
    ['before 20 ms, after 90 ms, grace 30 ms', { before: 20, after: 90, grace: 30 }],
    ['before 70 ms, after -10 ms, grace 0', { before: 70, after: -10, grace: 0 }],
  ];
  for (const backend of BACKENDS)
  for (const [wname, w] of windows) {
    for (const type of ['inner', 'left', 'outer'] as const) {
      it(`${type} join, ${wname} (${backend})`, async () => {
        const all = evs(500, type.length + w.after);
        const store = storeOn(backend);
        const d = new TestDriver((a) => {
          const joiner = (l: Ev | null, r: Ev | null) => ({ l: l?.id ?? null, r: r?.id ?? null });
          const right = { topic: 'right', key: string() };
          const opts = { ...(w === SYM ? { within: D, grace: GRACE, name: 'pairs' } : { before: w.before, after: w.after, grace: w.grace, name: 'pairs' }), ...store };
          const op = type === 'inner' ? join(right, joiner, opts) : type === 'left' ? leftJoin(right, joiner, opts) : outerJoin(right, joiner, opts);
          a.stream<string, Ev>('left', { key: string() }).pipe(op, to('joined', { key: string() }));
        });
        for (const e of all) await d.pipeInput(e.side === 'L' ? 'left' : 'right', [{ key: Buffer.from(e.key), value: e, timestamp: e.ts }]);
        const got = d.output('joined').map((r) => {
          const v = r.value as { l: number | null; r: number | null };
          return `${r.key}:${v.l}+${v.r}@${r.timestamp}`;
        });
        expect(got.sort()).toEqual(oracle(all, type, w));
        // Expired records write no tombstone: their changelog slot goes to a later record. So each
        // side's changelog, read as a table, holds about as many keys as records were buffered at
        // once (one record per batch here), far fewer than the records that passed.
        const names = joinStoreNames(type, 'pairs');
        for (const [name, side] of [[names.left, 'L'], [names.right, 'R']] as const) {
          const keys = new Set(d.output(changelogTopic('test-app', name)).map((r) => String(r.key)).filter((k) => k !== '__streamTime'));
          expect(keys.size).toBeGreaterThan(0);
          expect(keys.size).toBeLessThanOrEqual(peakBuffered(all.filter((e) => e.side === side), 'inner', w));
        }
        expect(peakBuffered(all, type, w)).toBeLessThan(all.length / 4);
        await d.close();
      });
    }
  }
});

describe('table-table joins against an oracle', () => {
  for (const backend of BACKENDS)
  for (const type of ['inner', 'left', 'outer'] as const) {
    it(`${type} join emits the joined row on every change and a tombstone when it goes away (table stores: ${backend})`, async () => {
      const rnd = mulberry32(type.length * 7);
      const ops = Array.from({ length: 400 }, (_, i) => ({
        topic: rnd() < 0.5 ? 'users' : 'addresses',
        key: `k${Math.floor(rnd() * 6)}`,
        value: rnd() < 0.25 ? null : `v${i}`,
        ts: 1000 + i,
      }));
      const d = new TestDriver((a) => {
        const users = a.table<string, string>('users', { key: string(), value: string(), store: backends.on(backend) });
        const addresses = a.table<string, string>('addresses', { key: string(), value: string(), store: backends.on(backend) });
        const joiner = (u: string | null, ad: string | null) => `${u}/${ad}`;
        const joined = type === 'inner' ? users.join(addresses, joiner) : type === 'left' ? users.leftJoin(addresses, joiner) : users.outerJoin(addresses, joiner);
        joined.pipe(to('joined', { key: string() }));
      });
      for (const o of ops) await d.pipeInput(o.topic, [{ key: Buffer.from(o.key), value: o.value === null ? null : Buffer.from(o.value), timestamp: o.ts }]);
      // Oracle
      const users = new Map<string, string>();
      const addresses = new Map<string, string>();
      const present = new Set<string>();
      const expected: Array<[string, string | null]> = [];
      for (const o of ops) {
        const m = o.topic === 'users' ? users : addresses;
        if (o.value === null) m.delete(o.key);
        else m.set(o.key, o.value);
        const u = users.get(o.key);
        const ad = addresses.get(o.key);
        const exists = type === 'inner' ? u !== undefined && ad !== undefined : type === 'left' ? u !== undefined : u !== undefined || ad !== undefined;
        if (exists) {
          present.add(o.key);
          expected.push([o.key, `${u ?? null}/${ad ?? null}`]);
        } else if (present.delete(o.key)) expected.push([o.key, null]);
      }
      expect(d.output('joined').map((r) => [r.key, r.value])).toEqual(expected);
      await d.close();
    });
  }
});
