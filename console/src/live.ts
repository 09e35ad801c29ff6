/**
 * The live samples of /api/live, kept for the last two minutes: one stream per page, shared by
 * every chart and table on it.
 */
import { useEffect, useState } from 'preact/hooks';
import { stream } from './api';
import type { LiveSample } from './types';

const KEEP = 120;
const history: LiveSample[] = [];
const listeners = new Set<() => void>();
let controller: AbortController | undefined;

function start(): void {
  controller = new AbortController();
  void stream(
    '/api/live',
    (event, data) => {
      if (event !== 'sample') return;
      history.push(data as LiveSample);
      if (history.length > KEEP) history.shift();
      for (const l of listeners) l();
    },
    controller.signal,
  );
}

/** Re-renders the caller on every sample; answers the samples so far (oldest first). */
export function useLive(): LiveSample[] {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    if (!controller) start();
    return () => {
      listeners.delete(l);
    };
  }, []);
  return history;
}

/** A chart's series over the samples: x = time in seconds, one y per name. */
export function seriesOf(samples: LiveSample[], names: string[], pick: (s: LiveSample, name: string) => number | undefined): { x: number[]; ys: Array<Array<number | null>> } {
  return {
    x: samples.map((s) => s.time / 1000),
    ys: names.map((n) => samples.map((s) => pick(s, n) ?? null)),
  };
}
