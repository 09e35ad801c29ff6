/** Connectors (Kafka Connect's REST API): state (a FAILED one with its trace), live rate, pause/resume/restart, config and offsets. */
import { useState } from 'preact/hooks';
import { api, get } from '../api';
import { Chart, fmt } from '../chart';
import { seriesOf, useLive } from '../live';
import type { ConnectorInfo, ConnectorStatus } from '../types';
import { Err, message, useLoad } from '../util';

type Expanded = Record<string, { status: ConnectorStatus; info: ConnectorInfo }>;

export function ConnectorsPage() {
  const list = useLoad(() => get<Expanded>('/connectors?expand=status&expand=info'), [], 3000);
  const live = useLive();
  const last = live[live.length - 1];
  const names = Object.keys(list.data ?? {});
  const s = seriesOf(live, names, (x, n) => x.connectors.find((c) => c.name === n)?.rate);
  const [error, setError] = useState<string>();
  const act = async (method: string, name: string, what: string) => {
    try {
      await api(method, `/connectors/${encodeURIComponent(name)}/${what}`);
      setError(undefined);
      list.reload();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <section>
      <h1>Connectors</h1>
      <Chart title="records per second" names={names} x={s.x} ys={s.ys} unit="rec/s" testId="connectors-chart" />
      <Err error={list.error ?? error} />
      {names.length === 0 && list.data ? <p class="muted">This process runs no connectors (they run in `sluice connect` or `sluice run` processes: open their console).</p> : null}
      <table data-testid="connectors">
        <thead><tr><th>connector</th><th>type</th><th>class</th><th>state</th><th>rec/s</th><th /></tr></thead>
        <tbody>
          {names.map((n) => {
            const c = list.data![n]!;
            const l = last?.connectors.find((x) => x.name === n);
            const state = l?.state ?? c.status.connector.state;
            return (
              <tr key={n} data-connector={n} class={state === 'FAILED' ? 'failed' : undefined}>
                <td>{n}</td>
                <td>{c.status.type}</td>
                <td>{String(c.info.config['connector.class'])}</td>
                <td class="state">{state}</td>
                <td class="rate">{fmt(l?.rate ?? 0)}</td>
                <td>
                  {state === 'PAUSED' ? <button onClick={() => act('PUT', n, 'resume')}>resume</button> : <button onClick={() => act('PUT', n, 'pause')}>pause</button>}
                  <button onClick={() => act('POST', n, 'restart')}>restart</button>
                  {state === 'FAILED' && c.status.connector.trace ? (
                    <details class="trace" open>
                      <summary>trace</summary>
                      <pre data-testid="connector-trace">{c.status.connector.trace}</pre>
                    </details>
                  ) : null}
                  <details>
                    <summary>config</summary>
                    <pre>{JSON.stringify(c.info.config, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
