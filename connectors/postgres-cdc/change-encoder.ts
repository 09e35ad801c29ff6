/**
 * pgoutput messages to the source's records: a transaction's changes are held until its Commit,
 * then become Debezium envelopes keyed by the primary key, on `<topicPrefix>.<schema>.<table>`.
 *
 * Two ways to the same bytes. Inserts, updates and deletes of an ordinary table are written from
 * the message straight into the envelope's bytes (tuple-json.ts), with no string or object per
 * value: that is most of what catch-up of a backlog costs. Everything else (truncates, a table
 * whose columns JSON would reorder, `bytes: false`) goes through decodePgOutput, row objects of
 * columnValue and JSON.stringify. The test compares both on the same messages.
 */
import type { SourceRecord } from '../../core/worker/contracts.js';
import { setField } from '../postgres/identifier.js';
import { formatLsn } from './lsn.js';
import { decodePgOutput, type PgOutputMessage, type Relation, type TupleValue } from './pgoutput.js';
import type { CdcOffset } from './resume.js';
import { ByteWriter, fastShape, TupleSpans, writeTuple, type FastShape } from './tuple-json.js';
import { columnValue } from './values.js';

/** A change held until its transaction commits, when its envelope is encoded with the commit's LSN and time. */
type Change = { rel: Relation; key: string | null; op: 'c' | 'u' | 'd' | 't' | null; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
/**
 * A row change already written as bytes into the staging slab: the whole envelope
 * (`{"before":…,"after":…,"op":"c","source":{…},"ts_ms":0000000000000}`, its source block from the
 * Begin and its ts_ms digits written at the commit; bodyStart -1 for the tombstone after a delete)
 * and the record key (keyStart -1: a null key). Offsets from the transaction's start in the slab.
 */
type StagedChange = { rel: Relation; staged: true; bodyStart: number; sourceStart: number; bodyEnd: number; keyStart: number; keyEnd: number };

const BEFORE = Buffer.from('{"before":');
const AFTER = Buffer.from(',"after":');
const NULL = Buffer.from('null');
const OP_SOURCE = { c: Buffer.from(',"op":"c","source":'), u: Buffer.from(',"op":"u","source":'), d: Buffer.from(',"op":"d","source":') };
/** The envelope's end, its ts_ms digits written at the commit (Date.now() has 13 digits from 2001 to 2286). */
const TS_TAIL = Buffer.from(',"ts_ms":0000000000000}');
const TS_DIGITS = 13;
/**
 * The staging slab: records are views of it (no copy per commit), so a transaction is written
 * after the last one, in a new slab when fewer than SLAB_MIN_FREE bytes are left; a slab lives
 * while a record of it does.
 */
const SLAB_BYTES = 1 << 20;
const SLAB_MIN_FREE = 64 << 10;

const PG_EPOCH_MS = 946_684_800_000;
const usToMs = (us: bigint) => Number(us / 1000n) + PG_EPOCH_MS;

/** The record key: JSON of the key columns' values, e.g. {"id":1}; null without key columns. */
export function encodeKey(keyCols: readonly string[], row: Record<string, unknown> | null): string | null {
  if (!row || keyCols.length === 0) return null;
  const only = keyCols.length === 1 ? row[keyCols[0]!] : undefined;
  if (only !== undefined) return `{${JSON.stringify(keyCols[0])}:${JSON.stringify(only)}}`;
  return JSON.stringify(Object.fromEntries(keyCols.map((k) => [k, row[k]])));
}

/** Debezium's envelope as JSON text; `source` is the block already encoded (see sourceBlock). */
export function encodeEnvelope(op: string, before: unknown, after: unknown, source: string, tsMs: number): string {
  return `{"before":${JSON.stringify(before)},"after":${JSON.stringify(after)},"op":"${op}","source":${source},"ts_ms":${tsMs}}`;
}

/** The envelope's `source` block, encoded once for all the changes of a table in a transaction (or a snapshot fetch). */
export function sourceBlock(db: string, schema: string, table: string, txId: number | null, lsn: string | null, tsMs: number, snapshot: boolean): string {
  return JSON.stringify({ connector: 'postgresql', db, schema, table, txId, lsn, ts_ms: tsMs, snapshot });
}

export interface EncoderOptions {
  db: string;
  /** The source partition of every record (the slot's name). */
  slot: string;
  topicPrefix: string;
  /** Primary-key columns per "schema.table": the record key (REPLICA IDENTITY FULL flags every column). */
  primaryKeys: ReadonlyMap<string, string[]>;
  /** Write row changes as bytes (default); false: every change through objects. */
  bytes?: boolean;
}

/** A Commit: its end LSN, and its transaction (null when its Begin came before this stream). */
export interface Committed {
  endLsn: bigint;
  commitLsn: bigint;
  commitTime: bigint;
  /** finalLsn and commitTime: the Begin's (the staged source blocks were written with them). */
  txn: { xid: number; finalLsn: bigint; commitTime: bigint; changes: Array<Change | StagedChange> } | null;
}

export class ChangeEncoder {
  private readonly relations = new Map<number, Relation>();
  /** Key columns per relation message (a new Relation message, e.g. after ALTER TABLE, gets its own entry). */
  private readonly keyColumns = new WeakMap<Relation, string[]>();
  /** How rows of a relation message are written as bytes (null: through objects, see tuple-json.ts). */
  private readonly shapes = new WeakMap<Relation, FastShape | null>();
  private readonly topics = new WeakMap<Relation, string>();
  private txn: Committed['txn'] = null;
  /** The staging slab of StagedChanges (a region per transaction, from its Begin). */
  private readonly staged = new ByteWriter();
  private readonly spans = new TupleSpans();
  /** The current transaction's source block per relation (the last one kept apart: most transactions touch one table). */
  private sourceRel: Relation | null = null;
  private sourceBuf: Buffer = Buffer.alloc(0);
  private readonly txnSources = new Map<Relation, Buffer>();

  constructor(private readonly opts: EncoderOptions) {}

  /** A new stream: relations are sent again, and a transaction cut off half-way is sent again whole. */
  reset(): void {
    this.relations.clear();
    this.txn = null;
  }

  /** Whether a transaction has begun and not committed. */
  inTransaction(): boolean {
    return this.txn !== null;
  }

  /** Takes one pgoutput message; a Commit returns its transaction, to be turned into records(). */
  message(payload: Buffer): Committed | null {
    const tag = payload[0];
    if ((tag === 0x49 /* I */ || tag === 0x55 /* U */ || tag === 0x44) /* D */ && this.txn && this.opts.bytes !== false) {
      const rel = this.relations.get(payload.readInt32BE(1));
      const shape = rel && this.shapeOf(rel);
      if (shape) {
        this.stage(tag, payload, rel, shape, this.txn);
        return null;
      }
    }
    const m = decodePgOutput(payload);
    switch (m.tag) {
      case 'relation':
        this.relations.set(m.relation.id, m.relation);
        return null;
      case 'begin':
        this.txn = { xid: m.xid, finalLsn: m.finalLsn, commitTime: m.commitTime, changes: [] };
        this.staged.region(SLAB_BYTES, SLAB_MIN_FREE);
        this.sourceRel = null;
        this.txnSources.clear();
        return null;
      case 'insert':
      case 'update':
      case 'delete':
      case 'truncate':
        if (this.txn) for (const c of this.changes(m)) this.txn.changes.push(c);
        return null;
      case 'commit': {
        const txn = this.txn;
        this.txn = null;
        return { endLsn: m.endLsn, commitLsn: m.commitLsn, commitTime: m.commitTime, txn };
      }
      default:
        return null;
    }
  }

  /** The records of a committed transaction, each with `offset`; `now` is every envelope's ts_ms. Call before the next message. */
  records(commit: Committed, offset: CdcOffset, now: number): SourceRecord[] {
    const txn = commit.txn;
    if (!txn) return [];
    const ts = usToMs(commit.commitTime);
    const lsn = formatLsn(commit.commitLsn);
    const { slot } = this.opts;
    // The source block is the same for every change of a table in this transaction: encoded once.
    const sources = new Map<Relation, string>();
    const sourceOf = (rel: Relation) => {
      let source = sources.get(rel);
      if (source === undefined) sources.set(rel, (source = sourceBlock(this.opts.db, rel.schema, rel.table, txn.xid, lsn, ts, false)));
      return source;
    };
    // Staged changes are views of the slab, whose envelopes need only their ts_ms digits. The
    // source blocks were written from the Begin; a Commit that says otherwise (it cannot: both
    // carry the transaction's commit LSN and time) or a clock without 13 digits gets new bytes.
    const buf = this.staged.buf;
    const base = this.staged.base;
    const digits = String(now);
    const inPlace = digits.length === TS_DIGITS && txn.finalLsn === commit.commitLsn && txn.commitTime === commit.commitTime;
    const tail = inPlace ? null : Buffer.from(`,"ts_ms":${now}}`);
    const records: SourceRecord[] = new Array(txn.changes.length);
    let topicRel: Relation | null = null;
    let topic = '';
    for (let i = 0; i < txn.changes.length; i++) {
      const c = txn.changes[i]!;
      if (c.rel !== topicRel) {
        topicRel = c.rel;
        topic = this.topicOf(c.rel);
      }
      if ('staged' in c) {
        const key = c.keyStart >= 0 ? buf.subarray(base + c.keyStart, base + c.keyEnd) : null;
        let value: Buffer | null = null;
        if (c.bodyStart >= 0) {
          if (inPlace) {
            let at = base + c.bodyEnd - 1 - TS_DIGITS;
            for (let d = 0; d < TS_DIGITS; d++) buf[at++] = digits.charCodeAt(d);
            value = buf.subarray(base + c.bodyStart, base + c.bodyEnd);
          } else value = Buffer.concat([buf.subarray(base + c.bodyStart, base + c.sourceStart), Buffer.from(sourceOf(c.rel)), tail!]);
        }
        records[i] = { topic, key, value, timestamp: ts, sourcePartition: slot, sourceOffset: offset };
      } else {
        const value = c.op === null ? null : encodeEnvelope(c.op, c.before, c.after, sourceOf(c.rel), now);
        records[i] = { topic, key: c.key, value, timestamp: ts, sourcePartition: slot, sourceOffset: offset };
      }
    }
    return records;
  }

  /** How rows of `rel` are written as bytes, or null when they go through objects (see tuple-json.ts). */
  private shapeOf(rel: Relation): FastShape | null {
    let shape = this.shapes.get(rel);
    if (shape === undefined) this.shapes.set(rel, (shape = fastShape(rel, this.keyColumnsOf(rel))));
    return shape;
  }

  /**
   * An Insert, Update or Delete message written into the staging buffer as the envelope's first
   * part and the record key (a Delete also stages its tombstone): what changes() and
   * encodeEnvelope give, byte for byte, without the objects.
   */
  private stage(tag: number, msg: Buffer, rel: Relation, shape: FastShape, txn: NonNullable<Committed['txn']>): void {
    const out = this.staged;
    const spans = this.spans;
    const changes = txn.changes;
    // Offsets from the writer's base: a write may move the transaction's bytes to a new slab.
    const bodyStart = out.pos - out.base;
    out.bytes(BEFORE);
    let pos = 5;
    const kind = msg[pos++]!;
    let op: 'c' | 'u' | 'd';
    if (tag === 0x49) {
      op = 'c';
      out.bytes(NULL);
      out.bytes(AFTER);
      writeTuple(out, msg, pos, shape, false, spans);
    } else if (tag === 0x55) {
      op = 'u';
      if (kind === 0x4b /* K */ || kind === 0x4f /* O */) {
        pos = writeTuple(out, msg, pos, shape, kind === 0x4b, spans) + 1; // then 'N'
      } else out.bytes(NULL);
      out.bytes(AFTER);
      writeTuple(out, msg, pos, shape, false, spans);
    } else {
      op = 'd';
      writeTuple(out, msg, pos, shape, kind === 0x4b, spans);
      out.bytes(AFTER);
      out.bytes(NULL);
    }
    out.bytes(OP_SOURCE[op]);
    const sourceStart = out.pos - out.base;
    out.bytes(this.txnSource(rel, txn));
    out.bytes(TS_TAIL);
    const bodyEnd = out.pos - out.base;
    // The key: the key columns' bytes of the row just written (the new row, or a delete's old one).
    let keyStart = -1;
    let keyEnd = -1;
    const keys = shape.keyIndexes;
    if (keys.length) {
      let len = 2;
      for (const i of keys) if (spans.start[i]! >= 0) len += shape.names[i]!.length + spans.end[i]! - spans.start[i]! + 1;
      out.reserve(len); // no reallocation below: the copies read from the same buffer
      const base = out.base;
      keyStart = out.pos - base;
      out.byte(0x7b);
      let first = true;
      for (const i of keys) {
        if (spans.start[i]! < 0) continue;
        if (!first) out.byte(0x2c);
        first = false;
        out.bytes(shape.names[i]!);
        out.bytes(out.buf, base + spans.start[i]!, base + spans.end[i]!);
      }
      out.byte(0x7d);
      keyEnd = out.pos - base;
    }
    changes.push({ rel, staged: true, bodyStart, sourceStart, bodyEnd, keyStart, keyEnd });
    if (op === 'd') changes.push({ rel, staged: true, bodyStart: -1, sourceStart: -1, bodyEnd: -1, keyStart, keyEnd });
  }

  /** The envelope's source block for `rel`'s changes in the transaction begun (its Begin carries the commit's LSN and time). */
  private txnSource(rel: Relation, txn: NonNullable<Committed['txn']>): Buffer {
    if (rel === this.sourceRel) return this.sourceBuf;
    let source = this.txnSources.get(rel);
    if (!source) {
      source = Buffer.from(sourceBlock(this.opts.db, rel.schema, rel.table, txn.xid, formatLsn(txn.finalLsn), usToMs(txn.commitTime), false));
      this.txnSources.set(rel, source);
    }
    this.sourceRel = rel;
    this.sourceBuf = source;
    return source;
  }

  private row(rel: Relation, tuple: TupleValue[] | null, keyOnly = false): Record<string, unknown> | null {
    if (!tuple) return null;
    const out: Record<string, unknown> = {};
    const cols = rel.columns;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      if (keyOnly && !c.key) continue;
      setField(out, c.name, columnValue(tuple[i] ?? null, c.typeOid));
    }
    return out;
  }

  /** A decoded change as pending envelopes (op null: the tombstone after a delete). */
  private changes(m: Extract<PgOutputMessage, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>): Change[] {
    if (m.tag === 'truncate') {
      return m.relationIds.flatMap((id) => {
        const rel = this.relations.get(id);
        return rel ? [{ rel, key: null, op: 't' as const, before: null, after: null }] : [];
      });
    }
    const rel = this.relations.get(m.relationId);
    if (!rel) return [];
    if (m.tag === 'insert') {
      const after = this.row(rel, m.newTuple);
      return [{ rel, key: this.keyOf(rel, after), op: 'c', before: null, after }];
    }
    if (m.tag === 'update') {
      const after = this.row(rel, m.newTuple);
      const before = m.oldTuple ? this.row(rel, m.oldTuple, m.oldIsKey) : null;
      return [{ rel, key: this.keyOf(rel, after), op: 'u', before, after }];
    }
    // Delete: the old key (or the full old row with REPLICA IDENTITY FULL), then a tombstone.
    const before = this.row(rel, m.oldTuple, m.oldIsKey);
    const key = this.keyOf(rel, before);
    return [
      { rel, key, op: 'd', before, after: null },
      { rel, key, op: null, before: null, after: null },
    ];
  }

  /** The record key of a streamed row: its primary-key columns (or the replica identity's). */
  private keyOf(rel: Relation, row: Record<string, unknown> | null): string | null {
    return encodeKey(this.keyColumnsOf(rel), row);
  }

  private keyColumnsOf(rel: Relation): string[] {
    let keyCols = this.keyColumns.get(rel);
    if (!keyCols) {
      const pk = this.opts.primaryKeys.get(`${rel.schema}.${rel.table}`);
      keyCols = pk?.length ? pk : rel.columns.filter((c) => c.key).map((c) => c.name);
      this.keyColumns.set(rel, keyCols);
    }
    return keyCols;
  }

  private topicOf(rel: Relation): string {
    let topic = this.topics.get(rel);
    if (topic === undefined) this.topics.set(rel, (topic = `${this.opts.topicPrefix}.${rel.schema}.${rel.table}`));
    return topic;
  }
}
