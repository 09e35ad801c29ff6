/** Topics: each with partitions, records, size and its live append rate; a chart of the busiest; create one. */
import { useState } from 'preact/hooks';
import { api, get } from '../api';
import { Chart, fmt } from '../chart';
import { seriesOf, useLive } from '../live';
import type { TopicSummary } from '../types';
import { bytes, Err, link, message, useLoad } from '../util';

export function TopicsPage() {
  const [internal, setInternal] = useState(false);
  const topics = useLoad(() => get<TopicSummary[]>(`/api/topics?internal=${internal}`), [internal], 3000);
  const live = useLive();
  const last = live[live.length - 1];
  const rate = new Map(last?.topics.map((t) => [t.name, t.rate]));
  const shown = (topics.data ?? []).map((t) => t.name);
  const busiest = [...shown].sort((a, b) => (rate.get(b) ?? 0) - (rate.get(a) ?? 0)).slice(0, 6);
  const s = seriesOf(live, busiest, (x, n) => x.topics.find((t) => t.name === n)?.rate);
  return (
    <section>
      <h1>Topics</h1>
      <Chart title="records appended per second" names={busiest} x={s.x} ys={s.ys} unit="rec/s" testId="topics-chart" />
      <label class="inline">
        <input type="checkbox" checked={internal} onChange={(e) => setInternal((e.target as HTMLInputElement).checked)} /> show internal topics
      </label>
      <Err error={topics.error} />
      <table data-testid="topics">
        <thead>
          <tr><th>topic</th><th>partitions</th><th>records</th><th>size</th><th>rec/s</th></tr>
        </thead>
        <tbody>
          {(topics.data ?? []).map((t) => (
            <tr key={t.name}>
              <td><a href={link('topics', t.name)}>{t.name}</a>{t.internal ? <span class="tag">internal</span> : null}</td>
              <td>{t.partitions}</td>
              <td>{t.messages}</td>
              <td>{bytes(t.sizeBytes)}</td>
              <td>{fmt(rate.get(t.name) ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateTopic done={topics.reload} />
    </section>
  );
}

function CreateTopic(props: { done: () => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('1');
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await api('POST', '/api/topics', { name, partitions: Number(partitions) });
      setName('');
      setError(undefined);
      props.done();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <form class="row" onSubmit={submit}>
      <h2>New topic</h2>
      <input placeholder="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required />
      <input type="number" min="1" value={partitions} onInput={(e) => setPartitions((e.target as HTMLInputElement).value)} />
      <button type="submit">create</button>
      <Err error={error} />
    </form>
  );
}
