/**
 * A single-message transform (Kafka Connect's SMT): a pure function of one record that returns a
 * new record, or null to drop it. It never mutates its input.
 */
import type { ProducerRecord } from '../client/types.js';

export type TransformableRecord = ProducerRecord & { topic?: string };
export type Transform = <R extends TransformableRecord>(record: R) => R | null;
