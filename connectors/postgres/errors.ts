import { SluiceError } from '../../core/errors.js';

/** The sink cannot start or write: the message names the config field or the database's reason. */
export class PostgresSinkError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super('POSTGRES_SINK', message, options);
  }
}

/** One record cannot be mapped to a row (not JSON, no key, an unknown field): it is dead-lettered alone. */
export class PostgresRecordError extends SluiceError {
  constructor(message: string) {
    super('POSTGRES_RECORD', message);
  }
}
