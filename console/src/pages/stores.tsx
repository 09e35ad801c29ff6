/**
 * The app's state stores (interactive queries, /api/stores) on the pipelines page: pick a store,
 * read a key (written as the DSL writes keys: JSON by default, `"alice"`) or browse its entries.
 */
import { useState } from 'preact/hooks';
import { get } from '../api';
import type { StoreEntries, StoreSummary } from '../types';
import { Err, message, useLoad } from '../util';

export function StoresSection() {
  const list = useLoad(() => get<{ app: string | null; stores: StoreSummary[] }>('/api/stores'), [], 5000);
  const [store, setStore] = useState('');
  const [key, setKey] = useState('');
  const [answer, setAnswer] = useState<StoreEntries>();
  const [error, setError] = useState<string>();
  const stores = list.data?.stores ?? [];
  if (list.data && stores.length === 0) return null;
  const chosen = store || stores[0]?.name || '';
  const read = async (path: string) => {
    try {
      setAnswer(await get<StoreEntries>(path));
      setError(undefined);
    } catch (err) {
      setAnswer(undefined);
      setError(message(err));
    }
  };
  const base = `/api/stores/${encodeURIComponent(chosen)}`;
  const windowed = answer?.kind !== 'key-value';
  return (
    <section data-testid="stores">
      <h2>State stores</h2>
      <Err error={list.error ?? error} />
      <table>
        <thead><tr><th>store</th><th>kind</th><th>pipeline</th><th>partitions here</th></tr></thead>
        <tbody>
          {stores.map((s) => (
            <tr key={s.name}><td>{s.name}</td><td>{s.kind}</td><td>{s.pipeline}</td><td>{s.partitions.join(', ')}</td></tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={(e) => { e.preventDefault(); void read(key ? `${base}/keys/${encodeURIComponent(key)}` : `${base}?limit=100`); }}>
        <select value={chosen} onChange={(e) => setStore((e.target as HTMLSelectElement).value)} aria-label="store">
          {stores.map((s) => <option value={s.name}>{s.name}</option>)}
        </select>
        <input value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} placeholder='key as JSON, e.g. "alice" (empty: browse)' aria-label="key" />
        <button type="submit">{key ? 'get' : 'browse'}</button>
      </form>
      {answer ? (
        <table data-testid="store-entries">
          <thead><tr><th>key</th>{windowed ? <th>window</th> : null}<th>value</th><th>partition</th></tr></thead>
          <tbody>
            {answer.entries.map((e) => (
              <tr>
                <td>{JSON.stringify(e.key)}</td>
                {windowed ? <td>{e.window ? `${new Date(e.window.start).toISOString()} – ${new Date(e.window.end).toISOString()}` : ''}</td> : null}
                <td>{typeof e.value === 'object' && e.value !== null ? <pre>{JSON.stringify(e.value, null, 2)}</pre> : JSON.stringify(e.value)}</td>
                <td>{e.partition}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {answer?.more ? <p class="muted">the first {answer.entries.length} entries; read a key for the others</p> : null}
    </section>
  );
}
