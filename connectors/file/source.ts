/**
 * File source: tails the files matching a glob, one record per line (lines, JSONL, or CSV with a
 * header row). The source partition is the file's path; the source offset is `{ ino, pos }`, the
 * inode and the byte position after the last line handed out, so a restart resumes there without
 * loss and without re-reading committed lines.
 *
 * - A partial last line (no newline yet) is held back until it is completed.
 * - Rotation (the path now names another inode): the old file, still open, is read to its end,
 *   then the new file is read from 0.
 * - Truncation (same inode, smaller than the position): reading restarts at 0.
 * - A malformed JSON line goes to the dead-letter topic with the reason; the rest flows on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ConnectorContext, Source, SourceOffset, SourceRecord } from '../../core/worker/contracts.js';
import { AppConfigError } from '../../core/worker/errors.js';
import { sleep } from '../../core/worker/error-policy.js';
import { globBase, globFiles } from './glob.js';
import { CsvSplitter } from './csv.js';
import { JsonDecoder } from '../../core/serde/json-decoder.js';

export const fileSourceConfig = z.object({
  path: z.string().min(1).describe('glob of the files to tail, e.g. ./in/*.jsonl'),
  format: z.enum(['lines', 'jsonl', 'csv']).default('lines').describe('lines: value = the line; jsonl: value = the JSON line (validated); csv: value = JSON object of the header columns'),
  keyField: z.string().optional().describe('jsonl/csv: the field whose value becomes the record key'),
  pollIntervalMs: z.number().int().min(10).default(200).describe('how often files are checked when idle'),
  maxRecords: z.number().int().min(1).default(10_000).describe('records per poll'),
  readBytes: z.number().int().min(1024).default(1024 * 1024).describe('bytes read per file per poll'),
});

export type FileSourceConfig = z.output<typeof fileSourceConfig>;

interface Tail {
  path: string;
  fd: number;
  ino: number;
  pos: number;
  /** CSV column names (the file's first row). */
  header?: string[];
  csv?: CsvSplitter;
}

interface Offset {
  ino: number;
  pos: number;
}

export class FileSource implements Source {
  private ctx!: ConnectorContext;
  private readonly tails = new Map<string, Tail>();
  private committed = new Map<string, SourceOffset>();
  private buf = Buffer.allocUnsafe(0);
  /** Checks JSONL lines (the json serde's decoder: lines of one key layout are read from their bytes). */
  private readonly json = new JsonDecoder();

  constructor(private readonly cfg: FileSourceConfig) {}

  async start(ctx: ConnectorContext): Promise<void> {
    this.ctx = ctx;
    const base = globBase(path.resolve(this.cfg.path));
    if (!fs.existsSync(base)) throw new AppConfigError(`file source "${ctx.name}": directory ${base} (from path "${this.cfg.path}") does not exist`);
    this.committed = await ctx.committedOffsets();
    this.buf = Buffer.allocUnsafe(this.cfg.readBytes);
  }

  private open(file: string): Tail | null {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return null;
    }
    const ino = fs.fstatSync(fd).ino;
    const saved = this.committed.get(file) as Offset | undefined;
    const pos = saved && saved.ino === ino ? saved.pos : 0;
    const tail: Tail = { path: file, fd, ino, pos };
    if (this.cfg.format === 'csv') this.initCsv(tail);
    return tail;
  }

  /** Reads the header row (always from the file's start) and positions after it when new. */
  private initCsv(tail: Tail): void {
    const head = Buffer.allocUnsafe(64 * 1024);
    const n = fs.readSync(tail.fd, head, 0, head.length, 0);
    const splitter = new CsvSplitter();
    const rows = splitter.push(head.subarray(0, n).toString('utf8'));
    if (rows.length === 0) return; // no complete header yet: try again next poll
    tail.header = rows[0]!.fields;
    tail.csv = new CsvSplitter();
    if (tail.pos === 0) tail.pos = Buffer.byteLength(rows[0]!.raw);
  }

  async poll(): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    const files = globFiles(this.cfg.path);
    for (const file of files) if (!this.tails.has(file)) {
      const t = this.open(file);
      if (t) this.tails.set(file, t);
    }
    for (const tail of [...this.tails.values()]) {
      if (out.length >= this.cfg.maxRecords) break;
      this.readTail(tail, out);
      // Rotation or truncation, checked once the open file has nothing more to give.
      let st: fs.Stats | null = null;
      try {
        st = fs.statSync(tail.path);
      } catch {
        st = null;
      }
      const drained = tail.pos >= fs.fstatSync(tail.fd).size;
      if (st && st.ino === tail.ino && st.size < tail.pos) {
        this.ctx.logger.warn('file truncated; reading it again from the start', { path: tail.path });
        tail.pos = 0;
        if (tail.csv) this.initCsv(tail);
      } else if (drained && (!st || st.ino !== tail.ino)) {
        fs.closeSync(tail.fd);
        this.tails.delete(tail.path);
        if (st) {
          const next = this.open(tail.path);
          if (next) this.tails.set(tail.path, next);
        }
      }
    }
    if (out.length === 0) await sleep(this.cfg.pollIntervalMs, this.ctx.signal);
    return out;
  }

  private readTail(tail: Tail, out: SourceRecord[]): void {
    if (this.cfg.format === 'csv' && !tail.header) {
      this.initCsv(tail);
      if (!tail.header) return;
    }
    while (out.length < this.cfg.maxRecords) {
      const n = fs.readSync(tail.fd, this.buf, 0, this.buf.length, tail.pos);
      if (n === 0) return;
      const chunk = this.buf.subarray(0, n);
      const lastNl = chunk.lastIndexOf(10);
      if (lastNl < 0) {
        if (n === this.buf.length) this.buf = Buffer.allocUnsafe(this.buf.length * 2); // a line longer than the buffer
        return;
      }
      const before = tail.pos;
      if (this.cfg.format === 'csv') this.emitCsv(tail, chunk.toString('utf8', 0, lastNl + 1), out);
      else {
        this.emitLines(tail, chunk, lastNl, out);
        // The records' values are views of this read's buffer: the next read goes to a new one
        // (cheaper than copying every line out of a buffer that is reused).
        if (tail.pos !== before) this.buf = Buffer.allocUnsafe(this.buf.length);
      }
      if (tail.pos === before || n < this.buf.length) return;
    }
  }

  /** Lines of `chunk` up to `lastNl`, worked on as bytes: positions need no UTF-8 length counting. */
  private emitLines(tail: Tail, chunk: Buffer, lastNl: number, out: SourceRecord[]): void {
    const jsonl = this.cfg.format === 'jsonl';
    const keyField = this.cfg.keyField;
    let start = 0;
    while (start <= lastNl && out.length < this.cfg.maxRecords) {
      const nl = chunk.indexOf(10, start);
      const end = nl > start && chunk[nl - 1] === 13 ? nl - 1 : nl;
      const lineStart = tail.pos;
      tail.pos += nl + 1 - start;
      const from = start;
      start = nl + 1;
      if (end === from) continue;
      const value = chunk.subarray(from, end);
      let key: string | null = null;
      if (jsonl) {
        let parsed: unknown;
        try {
          // Without a key field the line is only checked (nothing is built when the decoder's
          // fast path reads it); the value stays the line's bytes either way.
          if (keyField) parsed = this.json.decode(value);
          else this.json.validate(value);
        } catch (err) {
          void this.ctx.deadLetter(
            { topic: tail.path, partition: 0, offset: lineStart, key: null, value, headers: {}, timestamp: Date.now() },
            new Error(`${tail.path} at byte ${lineStart}: ${(err as Error).message}`),
            1,
          );
          continue;
        }
        if (keyField && parsed && typeof parsed === 'object') {
          const k = (parsed as Record<string, unknown>)[keyField];
          key = k === undefined || k === null ? null : typeof k === 'string' ? k : JSON.stringify(k);
        }
      }
      out.push({ key, value, sourcePartition: tail.path, sourceOffset: { ino: tail.ino, pos: tail.pos } });
    }
  }

  private emitCsv(tail: Tail, text: string, out: SourceRecord[]): void {
    for (const row of tail.csv!.push(text)) {
      tail.pos += Buffer.byteLength(row.raw);
      if (row.fields.length === 1 && row.fields[0] === '') continue;
      const value: Record<string, string> = {};
      tail.header!.forEach((h, i) => (value[h] = row.fields[i] ?? ''));
      const k = this.cfg.keyField ? value[this.cfg.keyField] : undefined;
      out.push({ key: k ?? null, value: JSON.stringify(value), sourcePartition: tail.path, sourceOffset: { ino: tail.ino, pos: tail.pos } });
    }
  }

  async commit(offsets: Map<string, SourceOffset>): Promise<void> {
    for (const [k, v] of offsets) this.committed.set(k, v);
  }

  async stop(): Promise<void> {
    for (const t of this.tails.values()) fs.closeSync(t.fd);
    this.tails.clear();
  }
}
