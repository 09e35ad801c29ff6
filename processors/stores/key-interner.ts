/**
 * Changelog key bytes → a small id and the key's text, each distinct key decoded once. A restore
 * meets the same keys over and over (a changelog holds every update of a key until compaction):
 * decoding a string per record was one allocation per record; here a record costs a hash of its
 * key bytes and one comparison, and only a key not seen before is copied and decoded.
 *
 * An open-addressing table of ids by FNV-1a hash; the keys' bytes are kept in one growing buffer.
 */

const EMPTY_SLOT = -1;
/** FNV-1a's 32-bit offset basis (as a signed int32, so the hash stays a small integer) and prime. */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

export class KeyInterner {
  /** Key text of each id (the decoder's text of its bytes). */
  readonly texts: string[] = [];
  private slots: Int32Array = new Int32Array(1024).fill(EMPTY_SLOT);
  private mask = 1023;
  private hashes: Int32Array = new Int32Array(256);
  private starts: Int32Array = new Int32Array(256);
  private lengths: Int32Array = new Int32Array(256);
  private arena = new Uint8Array(16 * 1024);
  private used = 0;

  /** `decode` gives a key's text from its bytes (the store's key codec: UTF-8 text, base64 for binary keys). */
  constructor(private readonly decode: (bytes: Buffer) => string) {}

  /** How many distinct keys were seen (ids are 0 … size - 1, in first-seen order). */
  get size(): number {
    return this.texts.length;
  }

  /** The id of the key bytes buf[start, start + len), a new one for a key not seen before. */
  id(buf: Uint8Array, start: number, len: number): number {
    const end = start + len;
    let h = FNV_OFFSET;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
    const { slots, mask, hashes, lengths, starts, arena } = this;
    let slot = h & mask;
    for (;;) {
      const id = slots[slot]!;
      if (id === EMPTY_SLOT) return this.add(slot, h, buf, start, len);
      if (hashes[id] === h && lengths[id] === len && sameBytes(arena, starts[id]!, buf, start, len)) return id;
      slot = (slot + 1) & mask;
    }
  }

  private add(slot: number, h: number, buf: Uint8Array, start: number, len: number): number {
    const id = this.texts.length;
    if (id >= this.hashes.length) {
      this.hashes = grow(this.hashes, id * 2);
      this.starts = grow(this.starts, id * 2);
      this.lengths = grow(this.lengths, id * 2);
    }
    if (this.used + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    this.arena.set(buf.subarray(start, start + len), this.used);
    this.hashes[id] = h;
    this.starts[id] = this.used;
    this.lengths[id] = len;
    this.used += len;
    this.texts.push(this.decode(Buffer.from(this.arena.buffer, this.arena.byteOffset + this.starts[id]!, len)));
    this.slots[slot] = id;
    // At most half full, so probes stay short.
    if ((id + 1) * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(EMPTY_SLOT);
    const mask = slots.length - 1;
    for (let id = 0; id < this.texts.length; id++) {
      let slot = this.hashes[id]! & mask;
      while (slots[slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function sameBytes(a: Uint8Array, at: number, b: Uint8Array, start: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[at + i] !== b[start + i]) return false;
  return true;
}

function grow(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
