/**
 * KStream: typed records of one or more (co-partitioned) topics. `pipe(...)` wires operators into
 * the app's topology (processors/topology): each operator's node says what it adds — processors,
 * stores and their changelogs, topics it reads or writes, a repartition that starts a new
 * sub-topology — and `pipe` returns the stream where the chain got to, typed by the last
 * operator's output, so a chain can go on (`.pipe(...)` again) or fan out (pipe one stream twice:
 * every record goes down both).
 */
import type { OperatorFunction } from 'rxjs';
import { recordDecoder, type DecodeOptions, type RecordDecoder } from './record-decoder.js';
import { startChain, writeChain, type AppLike, type Position } from './topology/builder.js';
import type { AnyOperator } from './topology/node.js';
import type { Rec } from './types.js';

export type { AppLike };

/** Serdes of the topic (JSON by default) and where event time comes from. */
export type StreamOptions<K, V> = DecodeOptions<K, V>;

type KeyOf<T> = T extends Rec<infer K, unknown> ? K : unknown;
type ValueOf<T> = T extends Rec<unknown, infer V> ? V : unknown;
/** The stream of what an operator emits (a stream of `never` after `to(...)`). */
export type StreamOf<T> = [T] extends [never] ? KStream<never, never> : KStream<KeyOf<T>, ValueOf<T>>;

type Op<I, O> = OperatorFunction<I, O>;

export class KStream<K, V> {
  /** @internal Streams are made by app.stream(...) / streamOf(...) and by pipe(). */
  constructor(private readonly position: Position) {}

  /** Wires the operators after this stream's end; returns the stream of what the last one emits. */
  pipe(): KStream<K, V>;
  pipe<A>(op1: Op<Rec<K, V>, A>): StreamOf<A>;
  pipe<A, B>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>): StreamOf<B>;
  pipe<A, B, C>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>): StreamOf<C>;
  pipe<A, B, C, D>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, D>): StreamOf<D>;
  pipe<A, B, C, D, E>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, D>, op5: Op<D, E>): StreamOf<E>;
  pipe<A, B, C, D, E, F>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, D>, op5: Op<D, E>, op6: Op<E, F>): StreamOf<F>;
  pipe<A, B, C, D, E, F, G>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, D>, op5: Op<D, E>, op6: Op<E, F>, op7: Op<F, G>): StreamOf<G>;
  pipe<A, B, C, D, E, F, G, H>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, D>, op5: Op<D, E>, op6: Op<E, F>, op7: Op<F, G>, op8: Op<G, H>): StreamOf<H>;
  pipe<A, B, C, D, E, F, G, H, I>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, D>, op5: Op<D, E>, op6: Op<E, F>, op7: Op<F, G>, op8: Op<G, H>, op9: Op<H, I>): StreamOf<I>;
  /** Longer chains: types are not followed past the ninth operator (as RxJS's pipe). */
  pipe<A, B, C, D, E, F, G, H, I>(op1: Op<Rec<K, V>, A>, op2: Op<A, B>, op3: Op<B, C>, op4: Op<C, D>, op5: Op<D, E>, op6: Op<E, F>, op7: Op<F, G>, op8: Op<G, H>, op9: Op<H, I>, ...rest: AnyOperator[]): KStream<unknown, unknown>;
  pipe(...ops: AnyOperator[]): KStream<unknown, unknown> {
    return new KStream(writeChain(this.position, ops));
  }
}

/** A typed stream of `topic` (or of several topics read as one). */
export function streamOf<K = unknown, V = unknown>(app: AppLike, topic: string | string[], opts: StreamOptions<K, V> = {}): KStream<K, V> {
  const topics = Array.isArray(topic) ? topic : [topic];
  return new KStream<K, V>(startChain(app, topics, recordDecoder(opts) as RecordDecoder<unknown, unknown>));
}
