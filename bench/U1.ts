/**
 * U1 — what an open console costs a worker: P1 (1 000 000 records, filter → map → to) run with
 * the management server serving its live stream (/api/live, one sample a second, as one open page
 * reads it) and without, alternately (which goes first alternates too), 1 warm-up and 5 timed
 * runs each; the figures are the throughput lost and the CPU time added, in percent of P1
 * without. On a machine shared with other jobs wall-clock throughput swings by more than the
 * effect measured, so the CPU time of the process (user + system) is the figure to read. The
 * stream is read in this same process (a page's browser would be another one), so the figure
 * includes the reader's parsing: an upper bound.
 */
import fs from 'node:fs';
import { startManagementServer } from '../api/server.js';
import { prepareP1, runP1, P1_RECORDS } from './apps/p1-app.js';
import { median, report } from './lib.js';

const N = P1_RECORDS;
const RUNS = Number(process.env.U1_RUNS ?? 5);
let samples = 0;

async function timed(live: boolean): Promise<{ wall: number; cpu: number }> {
  const dir = await prepareP1(N);
  try {
    // From the page open (or not) to the last commit: the pipeline's steady state, not its start and stop.
    const r = await runP1(dir, N, live ? openPage : undefined);
    if (r.produced !== N / 4) throw new Error(`expected ${N / 4} outputs, got ${r.produced}`);
    return { wall: r.seconds, cpu: r.cpuSeconds };
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
const without: Array<{ wall: number; cpu: number }> = [];
const withLive: Array<{ wall: number; cpu: number }> = [];
for (let i = 0; i < RUNS; i++) {
  if (i % 2 === 0) {
    without.push(await timed(false));
    withLive.push(await timed(true));
  } else {
    withLive.push(await timed(true));
    without.push(await timed(false));
  }
}
const rateWithout = N / median(without.map((r) => r.wall));
const rateWith = N / median(withLive.map((r) => r.wall));
const cpuWithout = median(without.map((r) => r.cpu));
const cpuWith = median(withLive.map((r) => r.cpu));
report('U1', 'records-without-console', Math.round(rateWithout), 'records/s');
report('U1', 'records-with-live-stream', Math.round(rateWith), 'records/s');
report('U1', 'live-stream-throughput-cost', ((rateWithout - rateWith) / rateWithout) * 100, '% of P1 throughput (wall clock)');
report('U1', 'cpu-without-console', cpuWithout, 's per run');
report('U1', 'cpu-with-live-stream', cpuWith, 's per run');
report('U1', 'live-stream-cpu-cost', ((cpuWith - cpuWithout) / cpuWithout) * 100, '% of P1 CPU time');
report('U1', 'samples-read', samples, 'samples');
