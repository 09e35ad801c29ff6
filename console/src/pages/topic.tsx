/** One topic: partitions, configs, its messages (browse with headers, filter, decode) and a test record. */
import { useState } from 'preact/hooks';
import { api, get } from '../api';
import { Chart } from '../chart';
import { seriesOf, useLive } from '../live';
import type { Browse, TopicDescription } from '../types';
import { bytes, Err, message, useLoad } from '../util';
import { Records } from './records';

export function TopicPage(props: { topic: string }) {
  const d = useLoad(() => get<TopicDescription>(`/api/topics/${encodeURIComponent(props.topic)}`), [props.topic], 3000);
  const live = useLive();
  const s = seriesOf(live, [props.topic], (x, n) => x.topics.find((t) => t.name === n)?.rate);
  return (
    <section>
      <h1>Topic {props.topic}</h1>
      <Err error={d.error} />
      <Chart title="records appended per second" names={[props.topic]} x={s.x} ys={s.ys} unit="rec/s" />
      {d.data ? (
        <div class="cols">
          <table data-testid="partitions">
            <thead><tr><th>partition</th><th>log start</th><th>end offset</th><th>size</th></tr></thead>
            <tbody>
              {d.data.partitions.map((p) => (
                <tr key={p.partition}><td>{p.partition}</td><td>{p.logStartOffset}</td><td>{p.highWatermark}</td><td>{bytes(p.sizeBytes)}</td></tr>
              ))}
            </tbody>
          </table>
          <table class="config">
            <thead><tr><th>config</th><th>value</th></tr></thead>
            <tbody>
              {Object.entries(d.data.config).map(([k, v]) => (
                <tr key={k} class={d.data!.overrides?.includes(k) ? 'override' : ''}><td>{k}</td><td>{String(v)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {d.data ? <Browser topic={props.topic} partitions={d.data.partitions.length} /> : null}
      <Produce topic={props.topic} done={d.reload} />
    </section>
  );
}

function Browser(props: { topic: string; partitions: number }) {
  const [partition, setPartition] = useState('0');
  const [from, setFrom] = useState<'end' | 'offset' | 'timestamp'>('end');
  const [at, setAt] = useState('');
  const [key, setKey] = useState('');
  const [q, setQ] = useState('');
  const [decode, setDecode] = useState('string');
  const [result, setResult] = useState<Browse>();
  const [error, setError] = useState<string>();
  const load = async (e?: Event) => {
    e?.preventDefault();
    const p = new URLSearchParams({ decode, limit: '50' });
    if (from === 'offset') p.set('offset', at);
    if (from === 'timestamp') p.set('timestamp', String(Number.isNaN(Date.parse(at)) ? at : Date.parse(at)));
    if (key) p.set('key', key);
    if (q) p.set('q', q);
    try {
      setResult(await get<Browse>(`/api/topics/${encodeURIComponent(props.topic)}/partitions/${partition}/messages?${p}`));
      setError(undefined);
    } catch (err) {
      setError(message(err));
    }
  };
  const v = (set: (s: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  return (
    <div>
      <h2>Messages</h2>
      <form class="row" onSubmit={load} data-testid="browse">
        <label>partition <select value={partition} onChange={v(setPartition)}>{Array.from({ length: props.partitions }, (_, i) => <option value={String(i)}>{i}</option>)}</select></label>
        <label>from <select value={from} onChange={v((x) => setFrom(x as typeof from))}><option value="end">the last 50</option><option value="offset">offset</option><option value="timestamp">time</option></select></label>
        {from !== 'end' ? <input name="at" placeholder={from === 'offset' ? 'offset' : 'ms or ISO time'} value={at} onInput={v(setAt)} /> : null}
        <input name="key" placeholder="key equals" value={key} onInput={v(setKey)} />
        <input name="q" placeholder="text contains" value={q} onInput={v(setQ)} />
        <label>as <select value={decode} onChange={v(setDecode)}><option value="string">text</option><option value="json">JSON</option><option value="hex">hex</option></select></label>
        <button type="submit">show</button>
      </form>
      <Err error={error} />
      {result ? <Records records={result.records} /> : null}
      {result ? <p class="muted">next offset {result.nextOffset}, end {result.highWatermark}</p> : null}
    </div>
  );
}

function Produce(props: { topic: string; done: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [headers, setHeaders] = useState('');
  const [out, setOut] = useState<string>();
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const h: Record<string, string> = {};
    for (const line of headers.split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) h[line.slice(0, at).trim()] = line.slice(at + 1);
    }
    try {
      const r = await api<{ partition: number; offset: number }>('POST', `/api/topics/${encodeURIComponent(props.topic)}/messages`, { key: key || null, value, headers: h });
      setOut(`written to partition ${r.partition} at offset ${r.offset}`);
      setError(undefined);
      props.done();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <form class="stack" onSubmit={submit} data-testid="produce">
      <h2>Produce a test record</h2>
      <input placeholder="key (empty: none)" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
      <textarea placeholder="value" value={value} onInput={(e) => setValue((e.target as HTMLTextAreaElement).value)} />
      <textarea placeholder="headers, one name=value a line" value={headers} onInput={(e) => setHeaders((e.target as HTMLTextAreaElement).value)} />
      <button type="submit">produce</button>
      {out ? <p class="ok">{out}</p> : null}
      <Err error={error} />
    </form>
  );
}
