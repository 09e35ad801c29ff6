import { SluiceError } from '../../core/errors.js';

/** The sink cannot start or write: the message names the config field or the database's reason. */
export class PostgresSinkError extends SluiceError {
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super('POSTGRES_SINK', message, options);
  }
}

/** One record cannot be mapped to a row (not JSON, no key, an unknown field): it is dead-lettered alone. */
export class PostgresRecordError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('POSTGRES_RECORD', message, options);
  }
}

const sqlState = (err: unknown): string => String((err as { code?: unknown })?.code ?? '');

/**
 * Whether Postgres refused a statement because of the values of a row, so that writing the rows
 * one by one finds the bad ones: data exceptions (class 22: NUL in text, a value of the wrong
 * type, out of range), integrity violations (class 23: NOT NULL, CHECK, foreign key), a value too
 * large for an index (54000), a type mismatch (42804).
 */
export function isRowError(err: unknown): boolean {
  const code = sqlState(err);
  return code.startsWith('22') || code.startsWith('23') || code === '54000' || code === '42804';
}

/** The table or a column is gone or changed since it was described (42P01 undefined table, 42703 undefined column). */
export function isStaleTableError(err: unknown): boolean {
  const code = sqlState(err);
  return code === '42P01' || code === '42703';
}

/** A row Postgres refused, as the reason stored with its dead letter. */
export function rowRefused(err: unknown): PostgresRecordError {
  const e = err as { message?: string; detail?: string };
  return new PostgresRecordError(`Postgres refused the row: ${e.message}${e.detail ? ` (${e.detail})` : ''} [SQLSTATE ${sqlState(err)}]`, { cause: err });
}

/** Socket errors of a connection to a server that went away or is not (yet) listening. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether `err` (or its cause) says the connection failed rather than the statement: a
 * connection exception (class 08), the server shutting down, crashed or still starting (57P01,
 * 57P02, 57P03), a socket error, or pg's own words for a connection that ended. Writing the same
 * rows again once Postgres is back succeeds.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | null, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as typeof e, depth++) {
    const code = String(e.code ?? '');
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || SOCKET_CODES.has(code)) return true;
    if (/^Connection terminated|not queryable|Connection ended unexpectedly/.test(String(e.message ?? ''))) return true;
  }
  return false;
}

/** Why a connection could not be opened, for a start error naming connectionString. */
export function connectionProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === '28P01') return 'password authentication failed';
  if (e.code === '3D000') return 'the database does not exist';
  if (e.code === 'ECONNREFUSED') return 'nothing listens there (ECONNREFUSED)';
  return e.message ?? String(err);
}
