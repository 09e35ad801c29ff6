/**
 * The changelog chunk codec (processors/stores/chunk-codec.ts): records packed into chunks come
 * back exactly — text and byte values mixed, non-ASCII text, empty texts, lone surrogates (which
 * would pair up if the concatenation's lengths were trusted), values given as ranges of a larger
 * buffer (bytes as read from a batch) — and chunks split at their size.
 */
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunks } from '../../../processors/stores/chunk-codec.js';
import { ChangelogFormatError } from '../../../processors/stores/duplicate-window-codec.js';

describe('changelog chunk codec', () => {
  const records = [
    { ts: 1_700_000_000_000, seq: 0, slot: 0, keyText: 'order-1' },
    { ts: 1_700_000_000_001.5, seq: 1, slot: 7, keyText: 'clé-€' },
    { ts: -5, seq: 2, slot: 3, keyText: '' },
    { ts: 12, seq: 3, slot: 4, keyText: 'a\uD83D' },
    { ts: 13, seq: 4, slot: 5, keyText: '\uDE00b' },
    { ts: 14, seq: 5, slot: 6, keyText: 'k' },
  ];
  const values = ['{"id":1}', Buffer.from([0, 255, 1]), '', 'ünï', '\uDE00x', Buffer.alloc(100, 7)];
  const bytesOf = (v: string | Buffer) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
  const decoded = (c: { bytes: Buffer }, i: number) =>
    decodeChunk('t', `[${i}]`, c.bytes, i).map(({ body, valueStart, valueEnd, chunk, ...r }) => {
      expect(chunk).toBe(i);
      return { ...r, value: Buffer.from(body.subarray(valueStart, valueEnd)) };
    });

  for (const maxBytes of [0, 64, 1 << 16]) {
    it(`round-trips mixed records (chunks of about ${maxBytes} bytes)`, () => {
      const chunks = encodeChunks(records, values, maxBytes);
      if (maxBytes === 0) expect(chunks).toHaveLength(records.length);
      if (maxBytes === 64) expect(chunks.length).toBeGreaterThan(1);
      if (maxBytes === 1 << 16) expect(chunks).toHaveLength(1);
      expect(chunks[0]!.from).toBe(0);
      expect(chunks.at(-1)!.to).toBe(records.length);
      const got = chunks.flatMap((c, i) => {
        if (i > 0) expect(c.from).toBe(chunks[i - 1]!.to);
        return decoded(c, i);
      });
      expect(got).toEqual(records.map((r, i) => ({ ...r, keyText: Buffer.from(r.keyText, 'utf8').toString('utf8'), value: bytesOf(values[i]!) })));
    });
  }

  it('writes values given as ranges of a shared buffer (null beside the record) as those bytes, short and long', () => {
    // One buffer holding every value's bytes with others around them, as a fetched batch does.
    const parts = values.map(bytesOf);
    const body = Buffer.concat([Buffer.from('xx'), ...parts.flatMap((p) => [p, Buffer.from('|')])]);
    let at = 2;
    const ranged = records.map((r, i) => {
      const start = at;
      at += parts[i]!.length + 1;
      return { ...r, rawBody: body, rawStart: start, rawEnd: start + parts[i]!.length };
    });
    for (const maxBytes of [0, 1 << 16]) {
      // Every other value as a range, the rest given beside their records.
      const given = values.map((v, i) => (i % 2 === 0 ? null : v));
      const chunks = encodeChunks(ranged, given, maxBytes);
      expect(chunks.flatMap(decoded)).toEqual(records.map((r, i) => ({ ...r, keyText: Buffer.from(r.keyText, 'utf8').toString('utf8'), value: parts[i] })));
    }
  });

  it('refuses a chunk cut short or of another format, naming the topic', () => {
    const [chunk] = encodeChunks(records, values, 1 << 16);
    expect(() => decodeChunk('app-x-changelog', '[0]', chunk!.bytes.subarray(0, chunk!.bytes.length - 1), 0)).toThrow(ChangelogFormatError);
    expect(() => decodeChunk('app-x-changelog', '[0]', Buffer.from('{"s":"L"}'), 0)).toThrow(/app-x-changelog/);
  });
});
