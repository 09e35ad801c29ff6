/** Small pieces every page uses. Everything shown is text: Preact escapes it, nothing is parsed as markup. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';

export function useLoad<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number): { data?: T; error?: string; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    const run = () =>
      load().then(
        (d) => live && (setData(d), setError(undefined)),
        (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
      );
    void run();
    const t = everyMs ? setInterval(run, everyMs) : undefined;
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [...deps, n]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

export function Err(props: { error?: string }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

export function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export function message(e: unknown): string {
  if (e instanceof ApiError && e.status === 401) return `${e.message} — paste the token above`;
  return e instanceof Error ? e.message : String(e);
}

export const link = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;
