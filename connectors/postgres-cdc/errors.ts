import { SluiceError } from '../../core/errors.js';

/** The CDC source cannot start or go on: the message names the config field or says what to change in Postgres. */
export class PostgresCdcError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'POSTGRES_CDC', message, options);
  }
}

/**
 * The replication slot cannot deliver the changes after the stored source offset (it was dropped,
 * invalidated, recreated or advanced by someone else, or its publication was dropped): changes
 * may be missing from the topics. Never retried; the message says how to take a new snapshot.
 */
export class PostgresCdcSlotLostError extends PostgresCdcError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'POSTGRES_CDC_SLOT_LOST' });
  }
}
