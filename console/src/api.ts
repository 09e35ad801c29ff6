/**
 * Calls to the management API. The token (from the URL's #token=… once, then this tab's
 * sessionStorage) goes in the Authorization header only — never a cookie — so no other site can
 * make the browser send it.
 */
const KEY = 'sluice.token';
let token = sessionStorage.getItem(KEY) ?? '';

export function takeTokenFromUrl(): void {
  const m = /[#&]token=([^&]+)/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1]!));
  history.replaceState(null, '', `${location.pathname}${location.search}#/topics`);
}

export function setToken(t: string): void {
  token = t.trim();
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

export const hasToken = () => token !== '';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  if (json) h['content-type'] = 'application/json';
  // A generated token never holds ':'; `user:password` is a SASL user of the broker (HTTP Basic).
  if (token) h.authorization = token.includes(':') ? `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(token)))}` : `Bearer ${token}`;
  return h;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) throw new ApiError(res.status, (data as { message?: string } | undefined)?.message ?? res.statusText);
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/**
 * Server-Sent Events read through fetch (EventSource cannot send the Authorization header);
 * reconnects after a drop until `signal` aborts.
 */
export async function stream(path: string, onEvent: (event: string, data: unknown) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch(path, { headers: headers(false), signal });
      if (!res.ok || !res.body) throw new ApiError(res.status, res.statusText);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onEvent(event, JSON.parse(data));
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
