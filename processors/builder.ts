/**
 * Where a DSL chain starts. An app (the worker's App, the TestDriver, or anything with an id
 * and addPipeline) gets typed streams and tables of its topics; `stream.pipe(...)` wires the
 * operators into the app's topology, whose sub-topologies the app runs as its pipelines.
 *
 *   streamOf(app, 'user-actions', { value: json(Event), timestamp: (e) => e.ts }).pipe(...)
 *   tableOf(app, 'customers', { key: string(), value: json(Customer) })
 *
 * `app.stream(topic, opts)` and `app.table(topic, opts)` are the same calls.
 */
import { streamOf as makeStream, type AppLike, type KStream, type StreamOptions } from './stream.js';
import { tableOf as makeTable, type KTable, type TableOptions } from './table.js';

export type { AppLike, StreamOptions, TableOptions, KStream, KTable };

/** A typed stream of one topic, or of several co-partitioned topics read as one. */
export function streamOf<K = unknown, V = unknown>(app: AppLike, topic: string | string[], opts: StreamOptions<K, V> = {}): KStream<K, V> {
  return makeStream<K, V>(app, topic, opts);
}

/** A topic read as a changelog: the latest value per key, a null value deleting the key. */
export function tableOf<K = unknown, V = unknown>(app: AppLike, topic: string, opts: TableOptions<K, V> = {}): KTable<K, V> {
  return makeTable<K, V>(app, topic, opts);
}
