/** A store's remembered key texts are JSON.stringify's, whether keys repeat or never do. */
import { describe, expect, it } from 'vitest';
import { rememberedJsonKeyText } from '../../../processors/stores/json-key-text.js';

describe('rememberedJsonKeyText', () => {
  it('gives JSON.stringify of every key: repeated, escaped, non-string, and past its bound with keys that never repeat', () => {
    const text = rememberedJsonKeyText<unknown>();
    const keys: unknown[] = ['user-1', 'é"\\\n', '', 'user-1', 42, null, { a: 1 }, ['x'], 'é"\\\n'];
    for (const k of keys) expect(text(k)).toBe(JSON.stringify(k));
    // 200 000 distinct keys: the memory is cleared at its bound, then stops remembering.
    for (let i = 0; i < 200_000; i++) expect(text(`k${i}`)).toBe(`"k${i}"`);
    expect(text('user-1')).toBe('"user-1"');
  });
});
