/** How typed keys and values become bytes in topics and back. A null buffer is a null (tombstone). */
export interface Serde<T> {
  serialize(value: T): Buffer | null;
  deserialize(bytes: Buffer | null): T;
  /**
   * Optional: the same bytes as UTF-8 text, for serdes whose output is text. Producers take text
   * directly, so writing a record then costs no intermediate Buffer.
   */
  serializeText?(value: T): string | null;
}
