/**
 * Stream-stream joins, rule by rule, as Kafka Streams' KStreamKStreamJoin with JoinWindows and
 * its window stores give them (KIP-962 for null keys). Expected outputs are worked out from the
 * rule stated in each case. Every case runs with the join's stores in memory and in Redis.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { join, leftJoin, outerJoin, string, TestDriver, to, type JoinOptions } from '../../../processors/index.js';
import { BACKENDS, storeBackends, type Backend } from './support.js';

type JoinType = 'inner' | 'left' | 'outer';

const stores = storeBackends();
let backend: Backend = 'memory';

function joining(type: JoinType, given: JoinOptions<string | null, string>) {
  const opts = { ...given, store: stores.on(backend) };
  return new TestDriver((app) => {
    const joiner = (l: string | null, r: string | null) => `${l}+${r}`;
    const right = { topic: 'right', key: string(), value: string() };
    const op = type === 'inner' ? join(right, joiner, opts) : type === 'left' ? leftJoin(right, joiner, opts) : outerJoin(right, joiner, opts);
    // Values may be null (KIP-962 cases); the join's type says what a present value is.
    app.stream<string | null, string>('left', { key: string(), value: string() }).pipe(op, to('out', { key: string(), value: string() }));
  });
}

/** Feeds one record per batch: [side, key, timestamp, value]. */
async function feed(d: TestDriver, records: Array<['L' | 'R', string | null, number, string | null]>) {
  for (const [side, key, ts, value] of records) await d.pipeInput(side === 'L' ? 'left' : 'right', [{ key, value: value === null ? null : Buffer.from(value), timestamp: ts }], { key: string() });
}

const rows = (d: TestDriver) => d.output('out').map((r) => `${r.key}:${r.value}@${r.timestamp}`);

for (const b of BACKENDS) {
  describe(`on ${b} stores`, () => {
    beforeEach(() => {
      backend = b;
    });

    describe('join windows', () => {
      it('rule: with before b and after a, a left record at t joins right records in [t − b, t + a], a right record at t joins left records in [t − a, t + b]', async () => {
        const d = joining('inner', { before: 5, after: 10, grace: 100 });
        // Left at 100 takes right records in [95, 110]: 95 and 110, not 94 or 111.
        await feed(d, [['L', 'k', 100, 'a'], ['R', 'k', 94, 'w'], ['R', 'k', 95, 'x'], ['R', 'k', 110, 'y'], ['R', 'k', 111, 'z']]);
        expect(rows(d)).toEqual(['k:a+x@100', 'k:a+y@110']);
        // Right at 300 takes left records in [290, 305]: 290 and 305, not 289 or 306.
        await feed(d, [['R', 'j', 300, 'r'], ['L', 'j', 289, 'p'], ['L', 'j', 290, 'q'], ['L', 'j', 305, 's'], ['L', 'j', 306, 't']]);
        expect(rows(d).slice(2)).toEqual(['j:q+r@300', 'j:s+r@305']);
        await d.close();
      });

      it('rule: a record joins every partner in its window, in the partners\' timestamp order, each result at the later of the two timestamps', async () => {
        const d = joining('inner', { within: 50, grace: 100 });
        await feed(d, [['R', 'k', 130, 'x'], ['R', 'k', 80, 'y'], ['R', 'k', 100, 'z'], ['L', 'k', 110, 'a']]);
        expect(rows(d)).toEqual(['k:a+y@110', 'k:a+z@110', 'k:a+x@130']);
        await d.close();
      });
    });

    describe('late records', () => {
      it('rule: a record too late to be buffered (t <= largest timestamp of its side − (before + after + grace)) is counted as dropped but still looked up against the other side', async () => {
        const d = joining('inner', { within: 10, grace: 0 }); // each side keeps t > its largest − 20
        await feed(d, [['L', 'k', 100, 'a'], ['R', 'x', 200, 'x']]);
        // Right at 105: the right side's largest is 200, 105 <= 180, so it is not buffered; it still
        // finds left 100 (the left side's largest is 100, and 100 > 80).
        await feed(d, [['R', 'k', 105, 'y']]);
        expect(rows(d)).toEqual(['k:a+y@105']);
        expect(d.metrics.total('sluice_late_records_total')).toBe(1);
        // Not buffered: left 106 (window [96, 116]) does not find it.
        await feed(d, [['L', 'k', 106, 'b']]);
        expect(rows(d)).toEqual(['k:a+y@105']);
        await d.close();
      });

      it('rule: in a left join, an unmatched left record whose window has closed (t + after + grace < stream time) is emitted with null at once', async () => {
        const d = joining('left', { within: 10, grace: 5 });
        await feed(d, [['R', 'x', 200, 'x'], ['L', 'k', 150, 'b']]);
        // 150 + 10 + 5 = 165 < 200: emitted at once, not held.
        expect(rows(d)).toEqual(['k:b+null@150']);
        await d.close();
      });

      it('rule: an unmatched record whose window is open is held; a partner inside the window still joins it, and then it is never emitted alone', async () => {
        const d = joining('left', { within: 10, grace: 5 });
        await feed(d, [['L', 'k', 100, 'a'], ['L', 'j', 100, 'b'], ['R', 'x', 110, 'x']]);
        expect(rows(d)).toEqual([]);
        // Right 108 lies in left a's window [90, 110]: it joins a.
        await feed(d, [['R', 'k', 108, 'y']]);
        expect(rows(d)).toEqual(['k:a+y@108']);
        // Stream time 116 closes both windows (100 + 10 + 5 < 116): only b comes out alone.
        await feed(d, [['R', 'x', 116, 'z']]);
        expect(rows(d)).toEqual(['k:a+y@108', 'j:b+null@100']);
        await d.close();
      });
    });

    describe('held unmatched records', () => {
      it('rule: they are emitted when a record reaches stream time past their window, before that record\'s own results, ordered by timestamp, then right side before left, then key', async () => {
        const d = joining('outer', { within: 100, grace: 0 });
        // Distinct keys: none of these match; all are held (each window closes at t + 100 + 0).
        await feed(d, [['L', 'b', 100, 'Lb'], ['R', 'c', 100, 'Rc'], ['L', 'a', 100, 'La'], ['R', 'd', 99, 'Rd'], ['L', 'e', 101, 'Le'], ['L', 'z', 150, 'Lz']]);
        expect(rows(d)).toEqual([]);
        // Right z at 205 moves stream time to 205: 99, 100 and 101 have closed (t + 100 < 205), 150 has not.
        await feed(d, [['R', 'z', 205, 'Rz']]);
        expect(rows(d)).toEqual(['d:null+Rd@99', 'c:null+Rc@100', 'a:La+null@100', 'b:Lb+null@100', 'e:Le+null@101', 'z:Lz+Rz@205']);
        await d.close();
      });

      it('rule: with asymmetric windows a left record\'s window closes at t + after + grace and a right record\'s at t + before + grace', async () => {
        const d = joining('outer', { before: 50, after: 5, grace: 0 });
        await feed(d, [['L', 'a', 100, 'La'], ['R', 'b', 100, 'Rb']]);
        // Stream time 106: the left record closed (100 + 5 < 106), the right one has not (100 + 50 >= 106).
        await feed(d, [['L', 'x', 106, 'Lx']]);
        expect(rows(d)).toEqual(['a:La+null@100']);
        // Stream time 151: the right one closed; x too (106 + 5 < 151).
        await feed(d, [['R', 'y', 151, 'Ry']]);
        expect(rows(d)).toEqual(['a:La+null@100', 'b:null+Rb@100', 'x:Lx+null@106']);
        await d.close();
      });

      it('rule: a record below stream time lets out nothing, even if its own window closed', async () => {
        const d = joining('left', { within: 10, grace: 0 });
        await feed(d, [['L', 'a', 100, 'La'], ['R', 'x', 200, 'x']]);
        expect(rows(d)).toEqual(['a:La+null@100']); // right 200 is at stream time: it lets a out
        await feed(d, [['L', 'b', 170, 'Lb'], ['L', 'c', 195, 'Lc'], ['R', 'y', 198, 'y']]);
        // 170 + 10 < 200: b is emitted at once; c is held (195 + 10 >= 200); right 198 is below stream time.
        expect(rows(d)).toEqual(['a:La+null@100', 'b:Lb+null@170']);
        await feed(d, [['R', 'y', 206, 'y']]);
        expect(rows(d)).toEqual(['a:La+null@100', 'b:Lb+null@170', 'c:Lc+null@195']);
        await d.close();
      });
    });

    describe('null keys and values (KIP-962)', () => {
      it('rule: a left join emits a left record with a null key at once with a null right, and drops a right record with a null key', async () => {
        const d = joining('left', { within: 10, grace: 0 });
        await feed(d, [['L', null, 100, 'a'], ['R', null, 100, 'x']]);
        expect(d.output('out').map((r) => [r.key, r.value, r.timestamp])).toEqual([[null, 'a+null', 100]]);
        expect(d.metrics.total('sluice_dropped_records_total')).toBe(1);
        await d.close();
      });

      it('rule: an outer join emits records with a null key of both sides at once; an inner join drops them', async () => {
        const outer = joining('outer', { within: 10, grace: 0 });
        await feed(outer, [['L', null, 100, 'a'], ['R', null, 101, 'x']]);
        expect(outer.output('out').map((r) => [r.key, r.value, r.timestamp])).toEqual([[null, 'a+null', 100], [null, 'null+x', 101]]);
        await outer.close();
        const inner = joining('inner', { within: 10, grace: 0 });
        await feed(inner, [['L', null, 100, 'a'], ['R', null, 101, 'x']]);
        expect(inner.output('out')).toEqual([]);
        expect(inner.metrics.total('sluice_dropped_records_total')).toBe(2);
        await inner.close();
      });

      it('rule: a record with a null value is dropped, never joined or buffered, but it moves stream time', async () => {
        const d = joining('left', { within: 10, grace: 0 });
        await feed(d, [['L', 'k', 100, 'a'], ['L', 'k', 200, null]]);
        // The null value moved stream time to 200 but, being dropped, let nothing out.
        expect(rows(d)).toEqual([]);
        expect(d.metrics.total('sluice_dropped_records_total')).toBe(1);
        // Left 150 finds its window closed already (150 + 10 < 200): out at once. Right 200 then lets a out.
        await feed(d, [['L', 'j', 150, 'b'], ['R', 'k', 200, 'y']]);
        expect(rows(d)).toEqual(['j:b+null@150', 'k:a+null@100']);
        await d.close();
      });
    });
  });
}
