/** Dead letters: the DLQ topics, their records with the error and origin, and replay to the source topic. */
import { useState } from 'preact/hooks';
import { api, get } from '../api';
import type { DeadLetter } from '../types';
import { Err, link, message, useLoad } from '../util';
import { Records } from './records';

export function DeadLettersPage(props: { topic?: string }) {
  const list = useLoad(() => get<Array<{ topic: string; partitions: number; records: number }>>('/api/dead-letters'), [], 3000);
  return (
    <section>
      <h1>Dead letters</h1>
      <Err error={list.error} />
      <table data-testid="dlq-topics">
        <thead><tr><th>topic</th><th>records</th></tr></thead>
        <tbody>
          {(list.data ?? []).map((t) => (
            <tr key={t.topic}><td><a href={link('dead-letters', t.topic)}>{t.topic}</a></td><td>{t.records}</td></tr>
          ))}
        </tbody>
      </table>
      {props.topic ? <Letters topic={props.topic} /> : null}
    </section>
  );
}

function Letters(props: { topic: string }) {
  const letters = useLoad(() => get<{ records: DeadLetter[] }>(`/api/dead-letters/${encodeURIComponent(props.topic)}/partitions/0/records?offset=0&limit=100`), [props.topic]);
  const [done, setDone] = useState<Record<number, string>>({});
  const [error, setError] = useState<string>();
  const replay = async (offset: number) => {
    try {
      const r = await api<{ topic: string; partition: number; offset: number }>('POST', `/api/dead-letters/${encodeURIComponent(props.topic)}/partitions/0/records/${offset}/replay`);
      setDone({ ...done, [offset]: `replayed to ${r.topic}/${r.partition} at ${r.offset}` });
      setError(undefined);
    } catch (err) {
      setError(message(err));
    }
  };
  const recs = letters.data?.records ?? [];
  return (
    <div>
      <h2>{props.topic}</h2>
      <Err error={letters.error ?? error} />
      <Records
        records={recs}
        extraTitle="error"
        extra={(r) => {
          const e = (r as DeadLetter).error;
          return (
            <div class="dlq-error">
              <p class="error-message">{e.message}</p>
              <p class="muted">
                {e.class} from {e.sourceTopic}/{e.sourcePartition}@{e.sourceOffset} after {e.attempts} attempt(s)
              </p>
              {done[r.offset] ? <p class="ok">{done[r.offset]}</p> : <button onClick={() => replay(r.offset)} disabled={!e.sourceTopic}>replay</button>}
            </div>
          );
        }}
      />
    </div>
  );
}
