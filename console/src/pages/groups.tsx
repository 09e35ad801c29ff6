/** Consumer groups with live lag; one group's members, offsets, lag chart and offset reset. */
import { useState } from 'preact/hooks';
import { api, get } from '../api';
import { Chart, fmt } from '../chart';
import { seriesOf, useLive } from '../live';
import type { GroupDescription, GroupSummary } from '../types';
import { Err, link, message, useLoad } from '../util';

export function GroupsPage() {
  const groups = useLoad(() => get<GroupSummary[]>('/api/groups'), [], 3000);
  const live = useLive();
  const last = live[live.length - 1];
  const names = (groups.data ?? []).map((g) => g.groupId).slice(0, 6);
  const s = seriesOf(live, names, (x, n) => x.groups.find((g) => g.groupId === n)?.lag);
  return (
    <section>
      <h1>Consumer groups</h1>
      <Chart title="lag (records not yet committed)" names={names} x={s.x} ys={s.ys} unit="records" testId="groups-chart" />
      <Err error={groups.error} />
      <table data-testid="groups">
        <thead><tr><th>group</th><th>state</th><th>members</th><th>lag</th></tr></thead>
        <tbody>
          {(groups.data ?? []).map((g) => {
            const l = last?.groups.find((x) => x.groupId === g.groupId);
            return (
              <tr key={g.groupId}>
                <td><a href={link('groups', g.groupId)}>{g.groupId}</a></td>
                <td>{l?.state ?? g.state}</td>
                <td>{l?.members ?? g.members}</td>
                <td class="lag">{l?.lag ?? g.lag}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function GroupPage(props: { group: string }) {
  const d = useLoad(() => get<GroupDescription>(`/api/groups/${encodeURIComponent(props.group)}`), [props.group], 2000);
  const live = useLive();
  const last = live[live.length - 1]?.groups.find((g) => g.groupId === props.group);
  const s = seriesOf(live, [props.group], (x, n) => x.groups.find((g) => g.groupId === n)?.lag);
  return (
    <section>
      <h1>Group {props.group}</h1>
      <p>
        state <b>{last?.state ?? d.data?.state}</b>, {last?.members ?? d.data?.members.length ?? 0} member(s), lag <b data-testid="group-lag">{last?.lag ?? '…'}</b>, committing {fmt(last?.rate ?? 0)} rec/s
      </p>
      <Chart title="lag" names={[props.group]} x={s.x} ys={s.ys} unit="records" testId="lag-chart" />
      <Err error={d.error} />
      {d.data ? (
        <>
          <h2>Members</h2>
          <table>
            <thead><tr><th>member</th><th>client</th><th>host</th><th>partitions</th></tr></thead>
            <tbody>
              {d.data.members.map((m) => (
                <tr key={m.memberId}><td>{m.memberId}</td><td>{m.clientId}</td><td>{m.host}</td><td>{m.assignment.map((a) => `${a.topic}/${a.partition}`).join(', ')}</td></tr>
              ))}
            </tbody>
          </table>
          <h2>Offsets</h2>
          <table data-testid="offsets">
            <thead><tr><th>topic</th><th>partition</th><th>committed</th><th>end</th><th>lag</th></tr></thead>
            <tbody>
              {d.data.offsets.map((o) => (
                <tr key={`${o.topic}/${o.partition}`}><td>{o.topic}</td><td>{o.partition}</td><td>{o.committed}</td><td>{o.endOffset}</td><td>{o.lag}</td></tr>
              ))}
            </tbody>
          </table>
          <Reset group={props.group} done={d.reload} />
        </>
      ) : null}
    </section>
  );
}

function Reset(props: { group: string; done: () => void }) {
  const [to, setTo] = useState('earliest');
  const [value, setValue] = useState('');
  const [out, setOut] = useState<string>();
  const [error, setError] = useState<string>();
  const submit = (dryRun: boolean) => async (e: Event) => {
    e.preventDefault();
    const target = to === 'offset' ? { kind: 'offset', offset: Number(value) } : to === 'shift' ? { kind: 'shift', by: Number(value) } : to === 'datetime' ? { kind: 'datetime', at: Date.parse(value) } : { kind: to };
    try {
      const r = await api<{ partitions: Array<{ topic: string; partition: number; current: number | null; next: number }> }>('POST', `/api/groups/${encodeURIComponent(props.group)}/offsets/reset`, { to: target, dryRun });
      setOut(`${dryRun ? 'would move' : 'moved'}: ${r.partitions.map((p) => `${p.topic}/${p.partition} ${p.current ?? '-'} → ${p.next}`).join(', ')}`);
      setError(undefined);
      props.done();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <form class="row" onSubmit={submit(false)}>
      <h2>Reset offsets</h2>
      <select value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
        <option value="earliest">to earliest</option>
        <option value="latest">to latest</option>
        <option value="offset">to offset</option>
        <option value="datetime">to time</option>
        <option value="shift">shift by</option>
      </select>
      {to === 'offset' || to === 'shift' || to === 'datetime' ? <input value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} /> : null}
      <button type="button" onClick={submit(true)}>dry run</button>
      <button type="submit">reset</button>
      {out ? <p class="ok">{out}</p> : null}
      <Err error={error} />
    </form>
  );
}
