/**
 * The connect-file loader (connectors/connect-file): names are per kind — a source's offsets and a
 * sink's consumer group are named after it — so a file source and a file sink may both take the
 * default name "file-0", while two sources (or two sinks) of one name are refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnectFile } from '../../connectors/connect-file/index.js';
import { tempDir } from '../support/tmp.js';

const dir = tempDir('connect-file');
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('connect files', () => {
  it('lets a source and a sink share a name, and refuses two sinks of one name', async () => {
    const shared = write(
      'shared.yaml',
      'app: a\nsources:\n  - { connector: file, topic: t, config: { path: "./in/*.jsonl" } }\nsinks:\n  - { connector: file, topics: [t], config: { dir: ./out } }\n',
    );
    const loaded = await loadConnectFile(shared);
    expect(loaded.sources.map((s) => s.name)).toEqual(['file-0']);
    expect(loaded.sinks.map((s) => s.name)).toEqual(['file-0']);

    const twice = write(
      'twice.yaml',
      'app: a\nsinks:\n  - { connector: file, name: out, topics: [t], config: { dir: ./a } }\n  - { connector: file, name: out, topics: [u], config: { dir: ./b } }\n',
    );
    await expect(loadConnectFile(twice)).rejects.toThrow(/two sinks are named "out"/);
  });
});
