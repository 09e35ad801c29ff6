/**
 * The key text of a store's string keys under the default JSON serde (`JSON.stringify(key)`),
 * remembered per store: the same keys come back record after record (P2: 10 000 users over a
 * million events), and JSON.stringify made a new string for each record (3 % of P2's profile),
 * which the store's maps then hashed again. A remembered text costs one Map lookup on the key, and
 * the store's maps find it with its hash already computed; a window entry keeps the shared text.
 * Bounded: at LIMIT texts the memory is cleared; if fewer lookups hit than texts were remembered
 * since the last clear (keys that rarely repeat), it stops remembering and only stringifies.
 */
const LIMIT = 65_536;

export function rememberedJsonKeyText<K>(): (key: K) => string {
  const texts = new Map<string, string>();
  let hits = 0;
  let remembering = true;
  return (key) => {
    if (typeof key !== 'string' || !remembering) return JSON.stringify(key);
    let text = texts.get(key);
    if (text !== undefined) {
      hits++;
      return text;
    }
    if (texts.size >= LIMIT) {
      remembering = hits >= texts.size;
      texts.clear();
      hits = 0;
    }
    text = JSON.stringify(key);
    if (remembering) texts.set(key, text);
    return text;
  };
}
