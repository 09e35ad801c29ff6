/**
 * The documentation holds together: every relative link in README.md, BENCHMARKS.md and docs/
 * (and the other Markdown files of the repository) points at a file that exists, and every
 * `#anchor` at a heading of that file (GitHub's slugs); every document a code comment names
 * (`docs/architecture.md`, `SKIPPED.md`, …) is in the repository, and a section it names in quotes
 * (`docs/worker.md's "Tuning"`) is a heading there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/tmp.js';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'tmp', 'coverage']);

function walk(dir: string, keep: (file: string) => boolean, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') && e.name !== '.ci') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(p, keep, out);
    } else if (keep(p)) out.push(p);
  }
  return out;
}

/** Markdown without fenced code blocks (their `#` lines are not headings, their `[x](y)` not links). */
function prose(text: string): string[] {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^\s*(```|~~~)/.exec(line);
    if (m) {
      if (fence === null) fence = m[1]!;
      else if (fence === m[1]) fence = null;
      lines.push('');
      continue;
    }
    lines.push(fence === null ? line : '');
  }
  return lines;
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to '-', repeats numbered. */
export function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.add(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

function links(markdown: string): string[] {
  const out: string[] = [];
  for (const line of prose(markdown)) {
    const withoutCode = line.replace(/`[^`]*`/g, (m) => (m.includes('](') ? m : ' '));
    for (const m of withoutCode.matchAll(/\[(?:[^\]`]|`[^`]*`)*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push(m[1]!);
  }
  return out;
}

const markdownFiles = walk(repoRoot, (f) => f.endsWith('.md'));
// This file names documents in its own examples; it is the checker, not a citer.
const codeFiles = walk(repoRoot, (f) => /\.(ts|js|mjs|sh|yaml)$/.test(f) && !f.endsWith('.d.ts') && f !== new URL(import.meta.url).pathname);
const rel = (f: string) => path.relative(repoRoot, f);

describe('documentation links', () => {
  it('finds the documents', () => {
    expect(markdownFiles.map(rel)).toEqual(expect.arrayContaining(['README.md', 'BENCHMARKS.md', 'docs/architecture.md']));
  });

  it('every relative link and anchor in the Markdown files resolves', () => {
    const broken: string[] = [];
    for (const file of markdownFiles) {
      for (const target of links(fs.readFileSync(file, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [p, anchor] = target.split('#') as [string, string | undefined];
        const dest = p === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(p));
        if (!fs.existsSync(dest)) {
          broken.push(`${rel(file)}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined) {
          if (!dest.endsWith('.md')) broken.push(`${rel(file)}: ${target} (anchor into a file that is not Markdown)`);
          else if (!headingSlugs(fs.readFileSync(dest, 'utf8')).has(anchor)) broken.push(`${rel(file)}: ${target} (no heading #${anchor} in ${rel(dest)})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every document a code comment names is in the repository, and so is the section it quotes', () => {
    const broken: string[] = [];
    for (const file of codeFiles) {
      const text = fs.readFileSync(file, 'utf8');
      if (/design §/i.test(text)) broken.push(`${rel(file)}: cites "design §", which is not a document here`);
      for (const m of text.matchAll(/((?:\.\.?\/)*[\w./-]*[\w-]+\.md)(?:'s)?(?:,)? ?(?:"([^"\n]+)")?/g)) {
        const name = m[1]!;
        // A name resolves from the file's directory or any directory above it, up to the root.
        let found: string | undefined;
        for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
          const candidate = path.resolve(dir, name);
          if (candidate.startsWith(repoRoot + path.sep) && fs.existsSync(candidate)) {
            found = candidate;
            break;
          }
          if (dir === repoRoot || dir === path.dirname(dir)) break;
        }
        if (!found) {
          broken.push(`${rel(file)}: names ${name}, which is not in the repository`);
          continue;
        }
        const section = m[2];
        if (section && found.endsWith('.md')) {
          // A quoted section names a heading or the start of one ("Tuning" for "Tuning: the young generation").
          const slug = [...headingSlugs(`# ${section}`)][0]!;
          if (![...headingSlugs(fs.readFileSync(found, 'utf8'))].some((h) => h === slug || h.startsWith(`${slug}-`))) broken.push(`${rel(file)}: names the section "${section}" of ${rel(found)}, which has no such heading`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('computes the anchors GitHub computes', () => {
    const slugs = headingSlugs('# Threads: `threadedApp`\n## `sluice connect`: connectors from a file\n### HTTP source (`connector: http`, a webhook server)\n## Errors\n## Errors\n```sh\n# not a heading\n```\n');
    expect([...slugs]).toEqual(['threads-threadedapp', 'sluice-connect-connectors-from-a-file', 'http-source-connector-http-a-webhook-server', 'errors', 'errors-1']);
  });
});
