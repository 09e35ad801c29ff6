/**
 * U1 — what an open console costs a worker: P1 (1 000 000 records, filter → map → to) run with
 * the management server serving its live stream (/api/live, one sample a second, as one open page
 * reads it) and without, alternately, 1 warm-up and 5 timed runs each; the figure is the
 * throughput lost, in percent of P1 without. The stream is read in this same process (a page's
 * browser would be another one), so the figure includes the reader's parsing: an upper bound.
 */
import fs from 'node:fs';
import { startManagementServer } from '../api/server.js';
import { prepareP1, runP1, P1_RECORDS } from './apps/p1-app.js';
import { median, report } from './lib.js';

const N = P1_RECORDS;
const RUNS = Number(process.env.U1_RUNS ?? 5);
let samples = 0;

async function timed(live: boolean): Promise<number> {
  const dir = await prepareP1(N);
  try {
    const t0 = performance.now();
    const produced = await runP1(dir, N, live ? openPage : undefined);
    const s = (performance.now() - t0) / 1000;
    if (produced !== N / 4) throw new Error(`expected ${N / 4} outputs, got ${produced}`);
    return s;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The server over the running app and one reader of its live stream, as an open console page. */
const openPage: Parameters<typeof runP1>[2] = async (a, client) => {
  const server = await startManagementServer({ client, app: a, port: 0, ui: false });
  const ctl = new AbortController();
  const res = await fetch(`${server.url}api/live`, { signal: ctl.signal });
  const reading = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const m of value.matchAll(/event: sample\ndata: (.*)\n\n/g)) {
          JSON.parse(m[1]!);
          samples++;
        }
      }
    } catch {
      /* aborted at the end */
    }
  })();
  return async () => {
    ctl.abort();
    await reading;
    await server.close();
  };
};

await timed(false);
await timed(true);
const without: number[] = [];
const withLive: number[] = [];
for (let i = 0; i < RUNS; i++) {
  without.push(await timed(false));
  withLive.push(await timed(true));
}
const rateWithout = N / median(without);
const rateWith = N / median(withLive);
report('U1', 'records-without-console', Math.round(rateWithout), 'records/s');
report('U1', 'records-with-live-stream', Math.round(rateWith), 'records/s');
report('U1', 'live-stream-cost', ((rateWithout - rateWith) / rateWithout) * 100, '% of P1 throughput');
report('U1', 'samples-read', samples, 'samples');
