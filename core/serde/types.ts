/** How typed keys and values become bytes in topics and back. A null buffer is a null (tombstone). */
export interface Serde<T> {
  serialize(value: T): Buffer | null;
  deserialize(bytes: Buffer | null): T;
}
