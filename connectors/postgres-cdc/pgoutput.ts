/**
 * A decoder for pgoutput protocol version 1 (Begin, Commit, Relation, Insert, Update, Delete,
 * Truncate, Type, Origin), keeping column values as the text Postgres sent; values.ts maps them.
 */
export interface Column {
  name: string;
  typeOid: number;
  /** Part of the replica identity (the key). */
  key: boolean;
}

export interface Relation {
  id: number;
  schema: string;
  table: string;
  /** d = default (primary key), f = full, i = index, n = nothing. */
  replicaIdentity: string;
  columns: Column[];
}

/** A tuple's values: text, null, or the marker for an unchanged TOAST value. */
export type TupleValue = string | null | typeof UNCHANGED_TOAST;
export const UNCHANGED_TOAST = Symbol('unchanged-toast');

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: bigint; commitTime: bigint; xid: number }
  | { tag: 'commit'; commitLsn: bigint; endLsn: bigint; commitTime: bigint }
  | { tag: 'relation'; relation: Relation }
  | { tag: 'insert'; relationId: number; newTuple: TupleValue[] }
  | { tag: 'update'; relationId: number; oldTuple: TupleValue[] | null; oldIsKey: boolean; newTuple: TupleValue[] }
  | { tag: 'delete'; relationId: number; oldTuple: TupleValue[]; oldIsKey: boolean }
  | { tag: 'truncate'; relationIds: number[] }
  | { tag: 'other' };

class Cursor {
  pos = 0;
  constructor(private readonly b: Buffer) {}
  u8(): number {
    return this.b[this.pos++]!;
  }
  i16(): number {
    const v = this.b.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.b.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.b.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  cstring(): string {
    const end = this.b.indexOf(0, this.pos);
    const s = this.b.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  tuple(): TupleValue[] {
    const n = this.i16();
    const out: TupleValue[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const kind = String.fromCharCode(this.u8());
      if (kind === 'n') out[i] = null;
      else if (kind === 'u') out[i] = UNCHANGED_TOAST;
      else {
        const len = this.i32();
        out[i] = this.b.toString('utf8', this.pos, this.pos + len);
        this.pos += len;
      }
    }
    return out;
  }
}

export function decodePgOutput(buf: Buffer): PgOutputMessage {
  const c = new Cursor(buf);
  const tag = String.fromCharCode(c.u8());
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: c.u64(), commitTime: c.u64(), xid: c.i32() };
    case 'C': {
      c.u8(); // flags
      return { tag: 'commit', commitLsn: c.u64(), endLsn: c.u64(), commitTime: c.u64() };
    }
    case 'R': {
      const id = c.i32();
      const schema = c.cstring();
      const table = c.cstring();
      const replicaIdentity = String.fromCharCode(c.u8());
      const n = c.i16();
      const columns: Column[] = [];
      for (let i = 0; i < n; i++) {
        const flags = c.u8();
        const name = c.cstring();
        const typeOid = c.i32();
        c.i32(); // typmod
        columns.push({ name, typeOid, key: (flags & 1) === 1 });
      }
      return { tag: 'relation', relation: { id, schema, table, replicaIdentity, columns } };
    }
    case 'I': {
      const relationId = c.i32();
      c.u8(); // 'N'
      return { tag: 'insert', relationId, newTuple: c.tuple() };
    }
    case 'U': {
      const relationId = c.i32();
      let kind = String.fromCharCode(c.u8());
      let oldTuple: TupleValue[] | null = null;
      let oldIsKey = false;
      if (kind === 'K' || kind === 'O') {
        oldIsKey = kind === 'K';
        oldTuple = c.tuple();
        kind = String.fromCharCode(c.u8());
      }
      return { tag: 'update', relationId, oldTuple, oldIsKey, newTuple: c.tuple() };
    }
    case 'D': {
      const relationId = c.i32();
      const kind = String.fromCharCode(c.u8());
      return { tag: 'delete', relationId, oldIsKey: kind === 'K', oldTuple: c.tuple() };
    }
    case 'T': {
      const n = c.i32();
      c.u8(); // options
      const relationIds: number[] = [];
      for (let i = 0; i < n; i++) relationIds.push(c.i32());
      return { tag: 'truncate', relationIds };
    }
    default:
      return { tag: 'other' };
  }
}
