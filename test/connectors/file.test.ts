import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import type { ConnectorContext, SinkRecord, SourceOffset, SourceRecord } from '../../core/worker/contracts.js';
import { silentLogger } from '../../core/worker/logger.js';
import { MetricsRegistry } from '../../core/worker/metrics.js';
import { FileSink, fileSinkConfig } from '../../connectors/file/sink.js';
import { FileSource, fileSourceConfig } from '../../connectors/file/source.js';
import { splitCsv } from '../../connectors/file/csv.js';
import { tempDir } from '../support/tmp.js';

const base = tempDir('file');
let n = 0;

/** A real ConnectorContext over an in-memory log; committed offsets kept like the runtime does. */
function context(committed: Map<string, SourceOffset>, deadLetters: Array<{ error: string }> = []): ConnectorContext {
  return {
    appId: 't',
    name: 'src',
    logger: silentLogger,
    metrics: new MetricsRegistry(),
    client: embedded({ memory: true }),
    signal: new AbortController().signal,
    committedOffsets: async () => new Map(committed),
    deadLetter: async (_r, e) => void deadLetters.push({ error: String(e) }),
  };
}

async function drain(src: FileSource, committed: Map<string, SourceOffset>, polls = 3): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < polls; i++) {
    const recs: SourceRecord[] = await src.poll();
    for (const r of recs) {
      out.push(String(r.value));
      committed.set(r.sourcePartition, r.sourceOffset);
    }
    await src.commit(new Map(committed));
  }
  return out;
}

describe('file source', () => {
  it('tails lines, holds back a partial last line, and resumes after a restart without re-reading', async () => {
    const dir = path.join(base, `s${n++}`);
    fs.mkdirSync(dir);
    const f = path.join(dir, 'a.log');
    fs.writeFileSync(f, 'one\ntwo\nthr');
    const committed = new Map<string, SourceOffset>();
    const cfg = fileSourceConfig.parse({ path: `${dir}/*.log`, pollIntervalMs: 10 });
    let src = new FileSource(cfg);
    await src.start(context(committed));
    expect(await drain(src, committed)).toEqual(['one', 'two']);
    fs.appendFileSync(f, 'ee\nfour\n');
    expect(await drain(src, committed)).toEqual(['three', 'four']);
    await src.stop();
    fs.appendFileSync(f, 'five\n');
    src = new FileSource(cfg);
    await src.start(context(committed));
    expect(await drain(src, committed)).toEqual(['five']);
    await src.stop();
  });

  it('follows rotation (rename plus a new file) and truncation', async () => {
    const dir = path.join(base, `s${n++}`);
    fs.mkdirSync(dir);
    const f = path.join(dir, 'app.log');
    fs.writeFileSync(f, 'a1\na2\n');
    const committed = new Map<string, SourceOffset>();
    const src = new FileSource(fileSourceConfig.parse({ path: `${dir}/app.log`, pollIntervalMs: 10 }));
    await src.start(context(committed));
    expect(await drain(src, committed)).toEqual(['a1', 'a2']);
    // Lines written just before the rotation are still read from the old file.
    fs.appendFileSync(f, 'a3\n');
    fs.renameSync(f, `${f}.1`);
    fs.writeFileSync(f, 'b1\nb2\n');
    expect(await drain(src, committed, 4)).toEqual(['a3', 'b1', 'b2']);
    fs.truncateSync(f, 0);
    fs.writeFileSync(f, 'c1\n');
    expect(await drain(src, committed, 3)).toEqual(['c1']);
    await src.stop();
  });

  it('parses JSONL (dead-lettering malformed lines) and CSV with a header row', async () => {
    const dir = path.join(base, `s${n++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'e.jsonl'), '{"id":1,"u":"x"}\nnot json\n{"id":2,"u":"y"}\n');
    const dl: Array<{ error: string }> = [];
    const committed = new Map<string, SourceOffset>();
    const j = new FileSource(fileSourceConfig.parse({ path: `${dir}/*.jsonl`, format: 'jsonl', keyField: 'u', pollIntervalMs: 10 }));
    await j.start(context(committed, dl));
    const recs = await j.poll();
    expect(recs.map((r) => [r.key, String(r.value)])).toEqual([['x', '{"id":1,"u":"x"}'], ['y', '{"id":2,"u":"y"}']]);
    expect(dl).toHaveLength(1);
    expect(dl[0]!.error).toMatch(/e\.jsonl at byte 17/);
    await j.stop();
    fs.writeFileSync(path.join(dir, 't.csv'), 'id,name,note\n1,Ann,"hello, world"\n2,"Bo ""B""","two\nlines"\n3,Cy,');
    const c = new FileSource(fileSourceConfig.parse({ path: `${dir}/*.csv`, format: 'csv', keyField: 'id', pollIntervalMs: 10 }));
    const cc = new Map<string, SourceOffset>();
    await c.start(context(cc));
    const rows = await drain(c, cc);
    expect(rows.map((r) => JSON.parse(r))).toEqual([
      { id: '1', name: 'Ann', note: 'hello, world' },
      { id: '2', name: 'Bo "B"', note: 'two\nlines' },
    ]);
    fs.appendFileSync(path.join(dir, 't.csv'), 'x\n');
    await c.stop();
    const c2 = new FileSource(fileSourceConfig.parse({ path: `${dir}/*.csv`, format: 'csv', pollIntervalMs: 10 }));
    await c2.start(context(cc));
    expect((await drain(c2, cc)).map((r) => JSON.parse(r))).toEqual([{ id: '3', name: 'Cy', note: 'x' }]);
    await c2.stop();
    expect(splitCsv('a,b\r\n"c\r\nd",e')).toEqual([{ fields: ['a', 'b'], raw: 'a,b\r\n' }]);
  });
});

describe('file source, JSONL without a key field', () => {
  it('checks each line without building it, dead-letters the malformed ones of a known shape, and hands on the bytes', async () => {
    const dir = path.join(base, `v${n++}`);
    fs.mkdirSync(dir);
    // 600 lines of one layout (so the decoder's fast path checks them), broken ones among them,
    // read 1 KiB at a time: values must stay intact across reads into fresh buffers.
    const good = (i: number) => JSON.stringify({ id: i, u: `user-${i}`, ok: i % 2 === 0, note: i % 7 === 0 ? 'é ünïcode' : null });
    const bad = new Map<number, string>([
      [100, '{"id":100,"u":"user-100","ok":true,"note":null'],
      [200, '{"id":200,"u":"user-200","ok":true,"note":null}x'],
      [300, '{"id":0300,"u":"user-300","ok":true,"note":null}'],
      [400, '{"id":400,"u":"user-400","ok":tru,"note":null}'],
    ]);
    const lines = Array.from({ length: 600 }, (_, i) => bad.get(i) ?? good(i));
    fs.writeFileSync(path.join(dir, 'e.jsonl'), lines.join('\n') + '\n');
    const dl: Array<{ error: string }> = [];
    const committed = new Map<string, SourceOffset>();
    const src = new FileSource(fileSourceConfig.parse({ path: `${dir}/*.jsonl`, format: 'jsonl', pollIntervalMs: 10, readBytes: 1024, maxRecords: 250 }));
    await src.start(context(committed, dl));
    const got: SourceRecord[] = [];
    for (let i = 0; i < 6; i++) got.push(...(await src.poll()));
    await src.stop();
    expect(got.map((r) => String(r.value))).toEqual(lines.filter((_, i) => !bad.has(i)));
    expect(got.every((r) => r.key === null)).toBe(true);
    expect(dl).toHaveLength(4);
    const at = (i: number) => Buffer.byteLength(lines.slice(0, i).join('\n')) + 1;
    expect(dl.map((d) => /at byte (\d+)/.exec(d.error)?.[1])).toEqual([100, 200, 300, 400].map((i) => String(at(i))));
  });
});

describe('file sink', () => {
  const rec = (topic: string, offset: number, value: string | null): SinkRecord => ({ topic, partition: 0, offset, key: null, value: value === null ? null : Buffer.from(value), headers: {}, timestamp: 1 });

  it('writes JSON lines per topic, rotates by size and by time, and resumes numbering', async () => {
    const dir = path.join(base, `k${n++}`);
    const sink = new FileSink(fileSinkConfig.parse({ dir, rotateBytes: 100 }));
    await sink.start(context(new Map()));
    await sink.write([rec('a', 0, '{"x":1}'), rec('a', 1, 'plain text'), rec('b', 0, '[1,2]')]);
    await sink.write([rec('a', 2, `{"pad":"${'y'.repeat(120)}"}`)]);
    await sink.write([rec('a', 3, '{"x":4}')]);
    await sink.stop();
    const files = fs.readdirSync(path.join(dir, 'a')).sort();
    expect(files).toEqual(['a-000000.jsonl', 'a-000001.jsonl']);
    expect(fs.readFileSync(path.join(dir, 'a', files[0]!), 'utf8').split('\n').slice(0, 2)).toEqual(['{"x":1}', '"plain text"']);
    expect(fs.readFileSync(path.join(dir, 'b', 'b-000000.jsonl'), 'utf8')).toBe('[1,2]\n');
    const timed = new FileSink(fileSinkConfig.parse({ dir, rotateMs: 1, envelope: true }));
    await timed.start(context(new Map()));
    await timed.write([rec('a', 4, '{"x":5}')]);
    await new Promise((r) => setTimeout(r, 5));
    await timed.write([rec('a', 5, null)]);
    await timed.stop();
    const after = fs.readdirSync(path.join(dir, 'a')).sort();
    expect(after).toEqual(['a-000000.jsonl', 'a-000001.jsonl', 'a-000002.jsonl']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'a', 'a-000002.jsonl'), 'utf8'))).toMatchObject({ topic: 'a', offset: 5, value: null });
  });
});

describe('file sink after a crash', () => {
  it('cuts a torn last line before appending', async () => {
    const dir = path.join(base, `torn${n++}`);
    fs.mkdirSync(path.join(dir, 't'), { recursive: true });
    fs.writeFileSync(path.join(dir, 't', 't-000000.jsonl'), '{"a":1}\n{"a":2}\n{"a":');
    const sink = new FileSink(fileSinkConfig.parse({ dir }));
    await sink.start(context(new Map()));
    await sink.write([{ topic: 't', partition: 0, offset: 2, key: null, value: Buffer.from('{"a":3}'), headers: {}, timestamp: 1 }]);
    await sink.stop();
    expect(fs.readFileSync(path.join(dir, 't', 't-000000.jsonl'), 'utf8')).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
  });
});
