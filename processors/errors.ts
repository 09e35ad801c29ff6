/** Errors of the DSL. Each names what is wrong with the record or the pipeline. */
import { SluiceError } from '../core/errors.js';

/**
 * A record whose event time is not a usable timestamp (a timestamp extractor returned NaN, a
 * negative number or not a number). Not retriable: the record goes to the dead-letter topic, as
 * Kafka Streams' FailOnInvalidTimestamp refuses it, without stopping the pipeline.
 */
export class InvalidTimestampError extends SluiceError {
  constructor(readonly timestamp: unknown, where: string) {
    super('INVALID_TIMESTAMP', `record ${where} has event time ${String(timestamp)}: a timestamp must be a finite number of milliseconds >= 0 (check the stream's timestamp extractor)`);
  }
}

/** A state-store choice an operator cannot honour (named store, and what to change). No built-in operator refuses a backend any more; kept for operators of users that do. */
export class StoreBackendError extends SluiceError {
  constructor(readonly store: string, why: string) {
    super('STORE_BACKEND', `store ${store}: ${why}`);
  }
}
