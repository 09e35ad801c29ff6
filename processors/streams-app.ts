/**
 * The App users write: the worker's App (pipelines, sources, sinks, commits, describe()) with the
 * DSL's entry points, `stream()` and `table()`, built on its add-pipeline primitive. core/worker
 * knows nothing of the DSL; this is where the two meet.
 *
 *   const a = app({ id: 'activity-monitor', log: embedded('./data') });
 *   a.stream('user-actions').pipe(groupByKey((r) => r.value.userId), count(), to('counts'));
 *   console.log(String(a.describe()));
 */
import { App as WorkerApp, type AppOptions } from '../core/worker/app.js';
import { streamOf, type KStream, type StreamOptions } from './stream.js';
import { tableOf, type KTable, type TableOptions } from './table.js';

export class App extends WorkerApp {
  /** A typed stream of one topic (or several read as one): `.pipe(...)` wires operators after it. */
  stream<K = unknown, V = unknown>(topic: string | string[], opts: StreamOptions<K, V> = {}): KStream<K, V> {
    return streamOf<K, V>(this, topic, opts);
  }

  /** A topic read as a table (latest value per key) for joins. */
  table<K = unknown, V = unknown>(topic: string, opts: TableOptions<K, V> = {}): KTable<K, V> {
    return tableOf<K, V>(this, topic, opts);
  }
}

export function app(options: AppOptions): App {
  return new App(options);
}
