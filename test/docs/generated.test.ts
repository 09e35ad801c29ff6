/**
 * The generated reference pages (connectors and transforms from their zod schemas, the CLI from
 * its command definitions) are what `npm run docs` writes now: a schema or an option changed
 * without regenerating the docs fails here, naming the page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedPages } from '../../scripts/docs-pages.js';
import { repoRoot } from '../support/tmp.js';

describe('generated documentation', () => {
  it('docs/reference/ matches the schemas and command definitions (run `npm run docs` when this fails)', async () => {
    const pages = await generatedPages();
    expect(Object.keys(pages).sort()).toEqual(['docs/reference/cli.md', 'docs/reference/connectors.md', 'docs/reference/transforms.md']);
    for (const [file, text] of Object.entries(pages)) {
      const committed = fs.existsSync(path.join(repoRoot, file)) ? fs.readFileSync(path.join(repoRoot, file), 'utf8') : '(missing)';
      expect(committed, `${file} is stale: run npm run docs`).toBe(text);
    }
  });

  it('lists every registered connector with every field of its schema', async () => {
    const { listConnectors } = await import('../../connectors/registry.js');
    const { configFields } = await import('../../connectors/config-fields.js');
    const page = (await generatedPages())['docs/reference/connectors.md']!;
    for (const d of await listConnectors()) {
      expect(page).toContain(`## ${d.name} (${d.kind})`);
      for (const f of configFields(d.config)) expect(page).toContain(`| \`${f.name}\` |`);
    }
  });
});
