/**
 * COPY text built as bytes, in chunks of about CHUNK_BYTES handed to the COPY stream one by one
 * (Postgres parses the first rows while the later ones are on their way). Bytes, not a string, so
 * a flat value's fields (json-flat.ts) are copied from the record's bytes without becoming strings.
 */

/** Bytes of COPY text per chunk. */
export const CHUNK_BYTES = 64 << 10;
/** Fields shorter than this are copied byte by byte (Buffer#copy's call costs more for them). */
const SHORT = 32;

export class CopyText {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private readonly chunks: Buffer[] = [];

  /** Makes room for `bytes` more, starting a new chunk when this one cannot hold them. */
  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    this.flush(Math.max(bytes, CHUNK_BYTES));
  }

  /** Hands out the bytes written so far; `next`: the size of the chunk that follows (0: none, the text is finished). */
  private flush(next: number): void {
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos));
    else if (next <= this.buf.length) return;
    this.buf = Buffer.allocUnsafe(next);
    this.pos = 0;
  }

  /** One ASCII byte (a tab, a newline, an op letter). */
  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  /** A string as UTF-8. */
  text(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** The bytes src[from, to). */
  bytes(src: Buffer, from: number, to: number): void {
    const len = to - from;
    this.room(len);
    if (len < SHORT) for (let i = from; i < to; i++) this.buf[this.pos++] = src[i]!;
    else this.pos += src.copy(this.buf, this.pos, from, to);
  }

  /** Ends a line; a chunk that is full goes out. */
  endLine(): void {
    this.byte(0x0a);
    if (this.pos >= CHUNK_BYTES - 256) this.flush(CHUNK_BYTES);
  }

  /** The chunks; the builder must not be used afterwards. */
  finish(): Buffer[] {
    this.flush(0);
    return this.chunks;
  }
}
