/**
 * Materialized: how an operator's state store is kept (Kafka Streams' `Materialized`): its name,
 * backend (memory or Redis), key and value serdes, retention (window and session stores) and
 * whether it logs to a changelog. Every stateful operator takes one as `store`:
 *
 *   count({ name: 'clicks', store: { backend: 'redis', url: 'redis://127.0.0.1:6379' } })
 *   aggregate(init, add, { store: materialized('carts', { value: cartSerde, retention: '1h' }) })
 */
import type { Redis } from 'ioredis';
import type { Serde } from '../../core/serde/serde.js';
import { toMs, type Duration } from '../windows/duration.js';

export interface Materialized<K = unknown, V = unknown> {
  /** The store's name (also the operator's `name`); its changelog is `<app>-<name>-changelog`. */
  name?: string;
  /** 'memory' (default): a Map in the task. 'redis': Redis through ioredis, the changelog still the source of truth. */
  backend?: 'memory' | 'redis';
  /** Redis: a client to use (not closed by the store), or a URL (default redis://127.0.0.1:6379). */
  redis?: Redis;
  url?: string;
  /** Redis: key prefix (default `<app>:<store>:`); a task's keys are under `<prefix><partition>:`. */
  prefix?: string;
  /** How keys are written to the changelog and Redis (default JSON). */
  key?: Serde<K>;
  /** How values are written to the changelog and Redis (default JSON that refuses a Map, Set, bigint, Date…). */
  value?: Serde<V>;
  /**
   * Window and session stores: how long windows/sessions are kept after stream time passed their
   * start (window) or end (session), closed or not, for lookups by later records. Default as in
   * Kafka Streams: window size + grace, session gap + grace. Never less than that.
   */
  retention?: Duration;
  /** Log changes to the compacted changelog (default true). Without it a store starts empty on every restart. */
  logging?: boolean;
  /**
   * A topic that is the store's changelog already (a table read from its own topic, Kafka's
   * source-topic changelog): the store is restored from it and logs nothing.
   */
  sourceTopic?: string;
}

/** The older name of the backend part of Materialized. */
export type StoreBackendOptions = Pick<Materialized, 'backend' | 'redis' | 'url' | 'prefix'>;

/** A Materialized with its name (Kafka's `Materialized.as(name)`). */
export function materialized<K = unknown, V = unknown>(name: string, opts: Omit<Materialized<K, V>, 'name'> = {}): Materialized<K, V> {
  return { ...opts, name };
}

/** Retention in ms: the given one, at least `minimum` (a store must keep what can still change). */
export function retentionMs(m: Materialized | undefined, minimum: number): number {
  if (m?.retention === undefined) return minimum;
  return Math.max(minimum, toMs(m.retention, 'store retention'));
}
