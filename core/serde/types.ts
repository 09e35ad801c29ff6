/** How typed keys and values become bytes in topics and back. A null buffer is a null (tombstone). */
export interface Serde<T> {
  serialize(value: T): Buffer | null;
  deserialize(bytes: Buffer | null): T;
  /**
   * Optional: the same bytes as UTF-8 text, for serdes whose output is text. Producers take text
   * directly, so writing a record then costs no intermediate Buffer.
   */
  serializeText?(value: T): string | null;
  /**
   * Optional: deserialize(bytes[start, end)) without a Buffer made for the range. The DSL's
   * decoder reads keys and values straight from a fetched batch's bytes with it; without it,
   * the record's key or value Buffer is made and given to deserialize.
   */
  deserializeRange?(bytes: Buffer, start: number, end: number): T;
}

/** What a producer should be given for a value: text from serdes that have it (no intermediate Buffer), else bytes. */
export function producerValue<T>(serde: Serde<T>): (value: T) => Buffer | string | null {
  return serde.serializeText ? serde.serializeText.bind(serde) : serde.serialize.bind(serde);
}
