/**
 * Names in SQL text. Every schema, table, column, publication and slot name that the Postgres
 * connectors put into a statement goes through quoteIdent, so a name stays a name: a column called
 * `id", (SELECT rolpassword FROM pg_authid), "id` is one column, never a subquery. (Values go as
 * bind parameters; the few literals a statement needs go through quoteLiteral.)
 *
 * Postgres cannot store a NUL character in a name, and it silently cuts a name longer than 63
 * bytes (NAMEDATALEN - 1), so two long names can become the same name, or another table's. Both are
 * refused here with a message saying why, instead of reaching the server.
 */
import pg from 'pg';
import { SluiceError } from '../../core/errors.js';

/** The longest name Postgres keeps whole, in UTF-8 bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

/** A name Postgres cannot hold as given (NUL, too long, empty). */
export class PostgresIdentifierError extends SluiceError {
  constructor(message: string) {
    super('POSTGRES_IDENTIFIER', message);
  }
}

/** Why `name` cannot be a Postgres name, or null when it can. */
export function identifierProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.includes('\0')) return 'contains a NUL character, which Postgres cannot store in a name';
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long; Postgres keeps ${MAX_IDENTIFIER_BYTES} bytes of a name and would cut the rest`;
  return null;
}

/** A name as a quoted identifier ("" doubles a quote inside); throws PostgresIdentifierError for a name Postgres cannot hold. */
export function quoteIdent(name: string): string {
  const problem = identifierProblem(name);
  if (problem) throw new PostgresIdentifierError(`the name ${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)} ${problem}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** schema.name, each part quoted. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** A string literal (quotes and backslashes escaped as pg does); NUL cannot be in Postgres text. */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new PostgresIdentifierError('a NUL character cannot be sent to Postgres in a string');
  return pg.escapeLiteral(text);
}

/**
 * obj[name] = value for a column or field name, also for `__proto__`: a plain assignment would set
 * the object's prototype and lose the field (`__proto__` is a valid Postgres column name).
 */
export function setField(obj: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(obj, name, { value, enumerable: true, writable: true, configurable: true });
  else obj[name] = value;
}

/** obj[name], reading `__proto__` as a field of its own (undefined when absent), never as Object.prototype. */
export function getField(obj: Record<string, unknown>, name: string): unknown {
  return name === '__proto__' ? (Object.hasOwn(obj, name) ? obj[name] : undefined) : obj[name];
}
