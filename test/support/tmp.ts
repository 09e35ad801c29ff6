/** Temporary directories for tests, removed when the test file ends (see cleanup.ts), whatever called tempDir(). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onCleanup } from './cleanup.js';

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sluice-${prefix}-`));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
