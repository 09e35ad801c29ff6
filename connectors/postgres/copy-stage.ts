/**
 * The sink's bulk path: a batch's final changes for one table go into a temporary "stage" table
 * with one COPY (pg-copy-streams), then one round trip merges them: `DELETE … USING stage` for the
 * deletes and `INSERT … SELECT … FROM stage ON CONFLICT` for the upserts. COPY sends rows as text
 * lines Postgres parses in bulk, so the per-row cost is building a line, against binding arrays
 * of parameters on the statement path (docs/notes/postgres-cdc.md: 145 000 against 82 000 rows/s).
 *
 * The stage has a column per column of the target, of its type without a modifier (`numeric`
 * for `numeric(12,2)`, `character varying` for `varchar(20)`), and the merge casts each value to
 * the column's full type explicitly (`s.c3::numeric(12,2)`), exactly as the statement path's
 * `$1::numeric(12,2)[]` parameters are: a value Postgres accepts or refuses (or an explicit cast
 * cuts, as it cuts a too long varchar) on one path is treated so on the other, with the same
 * SQLSTATE (so the row-by-row retry finds the same bad rows), while COPY still parses each value
 * into its type once. It is created ON COMMIT DELETE ROWS, once per connection and table shape,
 * and lives until the connection closes.
 */
import { createRequire } from 'node:module';
import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { fieldOf, flatOf, type Change } from './changes.js';
import { CopyText } from './copy-text.js';
import { LETTER_N, QUOTE } from './json-bytes.js';
import type { FlatRow, FlatShape } from './json-flat.js';
import { getField, quoteIdent } from './identifier.js';
import { qualified, type TableInfo, type TableName } from './table.js';

const require = createRequire(import.meta.url);
/** pg's own conversion of a bind parameter to text (array literals), so COPY sends what the statement path sends. */
const { prepareValue } = require('pg/lib/utils') as { prepareValue(v: unknown): string | Buffer | null };

/** A stage table on one connection, for one shape of one target table. */
export interface Stage {
  /** Quoted name in pg_temp. */
  sql: string;
  /** Target column → the stage's text column holding it (c1, c2, …: a target name can be anything). */
  columns: Map<string, string>;
}

let stageCount = 0;

/** CREATE TEMP TABLE for `info`'s columns (their types without modifiers) plus op (and `unbuffered`); ON COMMIT DELETE ROWS so each batch starts empty. */
export function stageDefinition(info: TableInfo): { stage: Stage; create: string } {
  const name = `sluice_stage_${process.pid}_${++stageCount}`;
  const columns = new Map<string, string>();
  let i = 0;
  for (const c of info.columns.keys()) columns.set(c, `c${++i}`);
  const stage = { sql: `pg_temp.${quoteIdent(name)}`, columns };
  const cols = [...columns].map(([name, c]) => `${c} ${info.baseTypes.get(name)!}`).join(', ');
  // `unbuffered` is never written: its volatile default keeps COPY from buffering rows for
  // multi-row inserts (Postgres does not when a column left out has one). That buffering costs
  // the backend about 1 ms per COPY of 1 000 rows or more, whatever the rows; per row a COPY of
  // 2 500 rows (a part) cost 1.25-1.3 us buffered against 0.90-0.95 us unbuffered, of 1 000 rows
  // 2.0 against 1.0-1.15, of 10 000 the same (0.85 us).
  return { stage, create: `CREATE TEMP TABLE ${quoteIdent(name)} (op "char" NOT NULL, ${cols}, unbuffered float8 DEFAULT random()) ON COMMIT DELETE ROWS` };
}

/** A value as the statement path sends it for a column of `type` (JSON text for JSON columns and other objects), as text. */
export function valueText(v: unknown, type: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return type === 'json' || type === 'jsonb' ? JSON.stringify(v) : v;
  if (type === 'json' || type === 'jsonb') return JSON.stringify(v);
  // What prepareValue gives them (toString), without its checks for Buffers, Dates and arrays.
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'object' && !(Array.isArray(v) && type.endsWith('[]'))) return JSON.stringify(v);
  return prepareValue(v) as string;
}

const SPECIAL = /[\\\t\n\r]/;
/** A field of COPY's text format: \N for null; backslash, tab, newline and carriage return escaped. */
export function copyField(text: string | null): string {
  if (text === null) return '\\N';
  if (!SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

export interface StagedChanges {
  table: TableName;
  info: TableInfo;
  pk: string[];
  /** Columns the upserts write (the union of their fields). */
  cols: string[];
  upserts: Array<Extract<Change, { kind: 'upsert' }>>;
  deletes: Array<Record<string, unknown>>;
  /** `ON CONFLICT (…) DO …` */
  onConflict: string;
}

/** A table's changes as COPY text for its stage and the statements that merge them: built without the connection. */
export interface PreparedCopy {
  copy: string;
  /** The COPY text, in pieces of about CHUNK_BYTES (copy-text.ts). */
  chunks: Buffer[];
  /** DELETE … USING / INSERT … SELECT … ON CONFLICT, and the stage emptied when `emptyAfter`; null when nothing is merged. */
  merge: string | null;
}

const TAB = 0x09;

/**
 * Field k of a flat value as COPY text, from its bytes: what copyField(valueText(v, type)) gives
 * the value JSON.parse reads (json-flat.ts accepts only fields whose bytes are that text): null is
 * \N, a number, true and false their text, a string its content (quoted for a JSON column, as
 * JSON.stringify quotes a string that needs no escape).
 */
function copyFlatField(out: CopyText, flat: FlatRow, k: number, json: boolean): void {
  const { buf, spans } = flat;
  const from = spans[2 * k]!;
  const to = spans[2 * k + 1]!;
  const isString = buf[from - 1] === QUOTE;
  if (!isString && buf[from] === LETTER_N) return out.text('\\N'); // null
  if (isString && json) out.byte(QUOTE);
  out.bytes(buf, from, to);
  if (isString && json) out.byte(QUOTE);
}

/**
 * The COPY text and merge of `c` (CPU only, no I/O: a batch's next part is prepared while
 * Postgres merges the part before). `emptyAfter`: the merge also empties the stage, for a later
 * part of the same transaction (ON COMMIT DELETE ROWS empties it only at the commit).
 */
export function prepareCopy(stage: Stage, c: StagedChanges, emptyAfter = false): PreparedCopy {
  const { info, pk, cols, upserts, deletes } = c;
  // Every line has op, the key columns, then the other written columns (a delete leaves those \N).
  const lineCols = [...pk, ...cols.filter((col) => !pk.includes(col))];
  const types = lineCols.map((col) => info.columns.get(col)!);
  const json = types.map((t) => t === 'json' || t === 'jsonb');
  const stageCols = lineCols.map((col) => stage.columns.get(col)!);
  const out = new CopyText();
  for (const key of deletes) {
    out.byte(0x64); // d
    for (let j = 0; j < pk.length; j++) {
      out.byte(TAB);
      out.text(copyField(valueText(getField(key, pk[j]!), types[j]!)));
    }
    for (let j = pk.length; j < lineCols.length; j++) out.text('\t\\N');
    out.endLine();
  }
  /** Per shape of flat values: the field holding each line column, -1 for none. */
  const fieldsByShape = new Map<FlatShape, Int32Array>();
  for (const u of upserts) {
    out.byte(0x75); // u
    const flat = flatOf(u);
    let fields: Int32Array | undefined;
    if (flat && !(fields = fieldsByShape.get(flat.shape))) {
      fields = Int32Array.from(lineCols, (col) => flat.shape.index.get(col) ?? -1);
      fieldsByShape.set(flat.shape, fields);
    }
    for (let j = 0; j < lineCols.length; j++) {
      out.byte(TAB);
      const col = lineCols[j]!;
      // The key's field wins over the value's (fieldOf).
      if (!flat || Object.hasOwn(u.key, col)) out.text(copyField(valueText(fieldOf(u, col), types[j]!)));
      else if (fields![j]! < 0) out.text('\\N');
      else copyFlatField(out, flat, fields![j]!, json[j]!);
    }
    out.endLine();
  }
  const chunks = out.finish();

  const target = qualified(c.table);
  const cast = (col: string) => `s.${stage.columns.get(col)!}::${info.columns.get(col)!}`;
  const statements: string[] = [];
  if (deletes.length) {
    statements.push(`DELETE FROM ${target} t USING ${stage.sql} s WHERE s.op = 'd' AND ${pk.map((col) => `t.${quoteIdent(col)} = ${cast(col)}`).join(' AND ')}`);
  }
  if (upserts.length) {
    statements.push(`INSERT INTO ${target} (${cols.map(quoteIdent).join(', ')}) SELECT ${cols.map(cast).join(', ')} FROM ${stage.sql} s WHERE s.op = 'u' ${c.onConflict}`);
  }
  if (statements.length && emptyAfter) statements.push(`DELETE FROM ${stage.sql}`);
  return { copy: `COPY ${stage.sql} (op, ${stageCols.join(', ')}) FROM STDIN`, chunks, merge: statements.length ? statements.join('; ') : null };
}

/** Streams the prepared text into the stage with one COPY; resolves when Postgres took it all. */
export async function sendCopy(client: pg.Client, p: PreparedCopy): Promise<void> {
  const copy = client.query(copyFrom(p.copy));
  // Postgres refusing a line ends the COPY with an error; later writes to the ended stream error too.
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  copy.on('error', (err) => fail(err));
  for (const chunk of p.chunks) if (!copy.write(chunk)) await Promise.race([once(copy, 'drain'), failed]);
  copy.end();
  await Promise.race([once(copy, 'finish'), failed]);
}

/** Streams the changes into the stage with one COPY, then merges them into the target in one round trip. */
export async function copyAndMerge(client: pg.Client, stage: Stage, c: StagedChanges): Promise<void> {
  const p = prepareCopy(stage, c);
  await sendCopy(client, p);
  if (p.merge) await client.query(p.merge);
}
