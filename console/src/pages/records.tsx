/** Records as a table: offset, time, key, value and headers, all as text. */
import type { ComponentChildren } from 'preact';
import type { RecordView } from '../types';
import { time } from '../util';

export function Records(props: { records: RecordView[]; extra?: (r: RecordView) => ComponentChildren; extraTitle?: string }) {
  if (props.records.length === 0) return <p class="muted">no records</p>;
  return (
    <table class="records" data-testid="records">
      <thead>
        <tr><th>offset</th><th>time</th><th>key</th><th>value</th><th>headers</th>{props.extra ? <th>{props.extraTitle}</th> : null}</tr>
      </thead>
      <tbody>
        {props.records.map((r) => (
          <tr key={`${r.partition}/${r.offset}`} data-offset={r.offset}>
            <td>{r.offset}</td>
            <td>{time(r.timestamp)}</td>
            <td class="key">{r.key ?? <i>null</i>}</td>
            <td><pre class="value">{r.value ?? <i>null (tombstone)</i>}</pre></td>
            <td>
              <dl class="headers">
                {Object.entries(r.headers).map(([k, v]) => [<dt>{k}</dt>, <dd>{v}</dd>])}
              </dl>
            </td>
            {props.extra ? <td>{props.extra(r)}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
