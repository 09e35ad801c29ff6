/**
 * File sink: appends records as JSON lines to `<dir>/<topic>/<topic>-<seq>.jsonl`, fdatasyncs
 * before write() resolves (so a committed offset's output is on disk; `fsync: false` leaves that
 * to the OS), and rolls to a new file by size and by age. Numbering resumes after a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ConnectorContext, Sink, SinkRecord } from '../../core/worker/contracts.js';
import { jsonOrText } from '../../core/serde/serde.js';

export const fileSinkConfig = z.object({
  dir: z.string().min(1).describe('output directory; one sub-directory per topic'),
  format: z.literal('jsonl').default('jsonl').describe('one JSON value per line (the only format)'),
  envelope: z.boolean().default(false).describe('write {topic, partition, offset, timestamp, key, value} instead of the value alone'),
  rotateBytes: z.number().int().min(1).default(64 * 1024 * 1024).describe('start a new file past this size'),
  rotateMs: z.number().int().min(1).default(3_600_000).describe('start a new file after this long'),
  fsync: z.boolean().default(true).describe("fdatasync each batch before it counts as written, so a committed offset's output is on disk; false leaves writing back to the OS (a crash of the machine can lose output whose input offsets were committed)"),
});

export type FileSinkConfig = z.output<typeof fileSinkConfig>;

const NULL_LINE = Buffer.from('null');

interface OpenFile {
  fd: number;
  seq: number;
  size: number;
  openedAt: number;
}


export class FileSink implements Sink {
  private readonly files = new Map<string, OpenFile>();

  constructor(private readonly cfg: FileSinkConfig) {}

  async start(_ctx: ConnectorContext): Promise<void> {
    fs.mkdirSync(this.cfg.dir, { recursive: true });
  }

  private fileFor(topic: string): OpenFile {
    let f = this.files.get(topic);
    const now = Date.now();
    if (f && (f.size >= this.cfg.rotateBytes || now - f.openedAt >= this.cfg.rotateMs)) {
      fs.closeSync(f.fd);
      f = { fd: -1, seq: f.seq + 1, size: 0, openedAt: now };
      this.files.delete(topic);
    }
    if (f && f.fd >= 0) return f;
    const dir = path.join(this.cfg.dir, topic);
    fs.mkdirSync(dir, { recursive: true });
    let seq = f?.seq;
    if (seq === undefined) {
      // Resume after the highest existing file; appending to it is fine (lines are whole).
      const existing = fs.readdirSync(dir).map((n) => /-(\d+)\.jsonl$/.exec(n)?.[1]).filter(Boolean).map(Number);
      seq = existing.length ? Math.max(...existing) : 0;
    }
    const file = path.join(dir, `${topic}-${String(seq).padStart(6, '0')}.jsonl`);
    const fd = fs.openSync(file, 'a+');
    const size = cutTornLine(fd);
    const opened: OpenFile = { fd, seq, size, openedAt: now };
    this.files.set(topic, opened);
    return opened;
  }

  async write(records: SinkRecord[]): Promise<void> {
    // Lines are gathered as bytes: a value that is JSON text already is copied as it is, never
    // made into a string and encoded back.
    const byTopic = new Map<string, { lines: Buffer[]; bytes: number }>();
    for (const r of records) {
      const v = r.value;
      const line = this.cfg.envelope
        ? Buffer.from(JSON.stringify({ topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: r.key?.toString() ?? null, value: jsonOrText(v) }))
        : v === null
          ? NULL_LINE
          : isJsonText(v)
            ? v
            : Buffer.from(JSON.stringify(v.toString('utf8')));
      let t = byTopic.get(r.topic);
      if (!t) byTopic.set(r.topic, (t = { lines: [], bytes: 0 }));
      t.lines.push(line);
      t.bytes += line.length + 1;
    }
    const syncs: Promise<void>[] = [];
    for (const [topic, { lines, bytes }] of byTopic) {
      const f = this.fileFor(topic);
      const data = Buffer.allocUnsafe(bytes);
      let pos = 0;
      for (const l of lines) {
        data.set(l, pos);
        pos += l.length;
        data[pos++] = 10;
      }
      let off = 0;
      while (off < data.length) off += fs.writeSync(f.fd, data, off, data.length - off);
      f.size += data.length;
      const fd = f.fd;
      if (this.cfg.fsync) syncs.push(new Promise((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve()))));
    }
    await Promise.all(syncs);
  }

  async stop(): Promise<void> {
    for (const f of this.files.values()) if (f.fd >= 0) fs.closeSync(f.fd);
    this.files.clear();
  }
}

/**
 * A value that looks like a one-line JSON object or array is written as is (sources and
 * pipelines validate or produce JSON; parsing every value again would halve the sink's speed);
 * anything else is written as a JSON string.
 */
function isJsonText(b: Buffer): boolean {
  const first = b[0];
  const last = b[b.length - 1];
  return ((first === 0x7b && last === 0x7d) || (first === 0x5b && last === 0x5d)) && !b.includes(10);
}

/**
 * A crash in the middle of a write can leave a last line without its newline. Its records were
 * never acknowledged, so they will be written again: the torn part is cut before appending.
 * Returns the file's size afterwards.
 */
function cutTornLine(fd: number): number {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return 0;
  const tail = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  for (;;) {
    const from = Math.max(0, end - tail.length);
    const n = fs.readSync(fd, tail, 0, end - from, from);
    if (end === size && tail[n - 1] === 10) return size;
    const nl = tail.subarray(0, n).lastIndexOf(10);
    if (nl >= 0) {
      fs.ftruncateSync(fd, from + nl + 1);
      return from + nl + 1;
    }
    if (from === 0) {
      fs.ftruncateSync(fd, 0);
      return 0;
    }
    end = from;
  }
}
