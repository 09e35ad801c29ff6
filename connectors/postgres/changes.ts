/**
 * From sink records to row changes: JSON values (or Debezium envelopes) become upserts, deletes and
 * truncates, keyed by the primary key. Within a batch only the last change per key survives, so one
 * statement never touches a row twice (Postgres refuses that in INSERT … ON CONFLICT).
 */
import type { SinkRecord } from '../../core/worker/contracts.js';
import { PostgresRecordError } from './errors.js';
import { getField, setField } from './identifier.js';
import { scanFlat, type FlatRow } from './json-flat.js';
import { parseSimpleKey } from './json-key.js';

export type Change = { kind: 'upsert'; key: Record<string, unknown>; row: Record<string, unknown> } | { kind: 'delete'; key: Record<string, unknown> } | { kind: 'truncate' };

function parseJson(buf: Buffer | null, what: string): unknown {
  if (buf === null) return null;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new PostgresRecordError(`the record ${what} is not JSON: ${(err as Error).message}`);
  }
}

function keyOf(record: SinkRecord, row: Record<string, unknown> | null, primaryKey: string[] | undefined): Record<string, unknown> {
  const recordKey = (record.key && parseSimpleKey(record.key)) ?? parseJson(record.key, 'key');
  if (primaryKey) {
    const key: Record<string, unknown> = {};
    for (const col of primaryKey) {
      const v = (row ? getField(row, col) : undefined) ?? (recordKey && typeof recordKey === 'object' ? getField(recordKey as Record<string, unknown>, col) : undefined);
      if (v === undefined || v === null) throw new PostgresRecordError(`primary key column "${col}" is missing from the record's value and key`);
      setField(key, col, v);
    }
    return key;
  }
  if (!recordKey || typeof recordKey !== 'object' || Array.isArray(recordKey)) {
    throw new PostgresRecordError('the record key must be a JSON object of the key columns (or set primaryKey)');
  }
  return recordKey as Record<string, unknown>;
}

/**
 * An upsert whose value is a flat object read from its bytes (json-flat.ts): the COPY path copies
 * its fields' bytes; `row`, for every other use (the statement path, the row-by-row retry, a
 * table created from the rows), is JSON.parse's object, made when first read.
 */
export class FlatUpsert {
  readonly kind = 'upsert';
  private parsed: Record<string, unknown> | undefined;
  constructor(
    readonly key: Record<string, unknown>,
    readonly flat: FlatRow,
  ) {}
  get row(): Record<string, unknown> {
    return (this.parsed ??= JSON.parse(this.flat.buf.toString('utf8')) as Record<string, unknown>);
  }
}

/** The fields of an upsert's value read from its bytes, when they were. */
export function flatOf(u: Extract<Change, { kind: 'upsert' }>): FlatRow | undefined {
  return u instanceof FlatUpsert ? u.flat : undefined;
}

/**
 * `forCopy`: the change goes to COPY, which copies a flat value's fields from its bytes, so a
 * value that is a flat object is not parsed (json-flat.ts). Only a plain value with the key from
 * the record's key: with `primaryKey` the key is read from the value's fields, and a Debezium
 * envelope nests the row in `after`, so both need the parsed object.
 */
export function toChange(record: SinkRecord, unwrap: 'none' | 'debezium', primaryKey: string[] | undefined, forCopy = false): Change {
  if (forCopy && unwrap === 'none' && !primaryKey && record.value !== null) {
    const row = scanFlat(record.value);
    if (row) return new FlatUpsert(keyOf(record, null, undefined), row);
  }
  const value = parseJson(record.value, 'value');
  if (value === null) return { kind: 'delete', key: keyOf(record, null, primaryKey) };
  if (typeof value !== 'object' || Array.isArray(value)) throw new PostgresRecordError('the record value must be a JSON object');
  if (unwrap === 'debezium') {
    const env = value as { op?: string; before?: Record<string, unknown> | null; after?: Record<string, unknown> | null };
    if (env.op === 't') return { kind: 'truncate' };
    if (env.op === 'd') return { kind: 'delete', key: keyOf(record, env.before ?? null, primaryKey) };
    if (!env.after || typeof env.after !== 'object') throw new PostgresRecordError(`a Debezium envelope with op "${env.op}" has no "after"`);
    return { kind: 'upsert', key: keyOf(record, env.after, primaryKey), row: env.after };
  }
  const row = value as Record<string, unknown>;
  return { kind: 'upsert', key: keyOf(record, row, primaryKey), row };
}

/**
 * A column's value in an upsert: the key's field when the key has it (the key wins), else the
 * value's; undefined when neither has it (never a property inherited from Object.prototype).
 */
export function fieldOf(u: Extract<Change, { kind: 'upsert' }>, col: string): unknown {
  if (Object.hasOwn(u.key, col)) return u.key[col];
  return Object.hasOwn(u.row, col) ? u.row[col] : undefined;
}

/** A key's identity whatever the order of its fields; one-column keys (the common case) skip the sort. */
function keyId(key: Record<string, unknown>): string {
  const cols = Object.keys(key);
  if (cols.length === 1) return `${cols[0]}\u0000${JSON.stringify(key[cols[0]!])}`;
  return JSON.stringify(cols.sort().map((c) => [c, key[c]]));
}

/** The changes of a batch in order, keeping only each key's last change after the last truncate. */
export function collapse(changes: Change[]): { truncate: boolean; last: Change[] } {
  let start = 0;
  for (let i = changes.length - 1; i >= 0; i--) if (changes[i]!.kind === 'truncate') { start = i + 1; break; }
  const truncate = start > 0;
  const byKey = new Map<string, Change>();
  for (const c of changes.slice(start)) {
    if (c.kind === 'truncate') continue;
    const k = keyId(c.key);
    byKey.delete(k);
    byKey.set(k, c);
  }
  return { truncate, last: [...byKey.values()] };
}
