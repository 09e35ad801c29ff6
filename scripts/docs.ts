/**
 * `npm run docs`: writes the generated reference pages (connectors and transforms, from their zod
 * schemas; the CLI's commands and options, from their definitions) into docs/reference/.
 * test/docs/generated.test.ts fails when the committed pages differ from what this writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generatedPages } from './docs-pages.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
for (const [file, text] of Object.entries(await generatedPages())) {
  const target = path.join(root, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  if (before !== text) fs.writeFileSync(target, text);
  console.log(`${before === text ? 'unchanged' : 'wrote'} ${file}`);
}
