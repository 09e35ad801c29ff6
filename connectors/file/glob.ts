/**
 * Minimal globbing for the file source: `*` and `?` within a path segment, `**` across segments.
 * The directory walk starts at the longest literal prefix of the pattern.
 */
import fs from 'node:fs';
import path from 'node:path';

export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*';
        i++;
        if (pattern[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The directory to walk: the pattern's segments up to the first one with a wildcard. */
export function globBase(pattern: string): string {
  const parts = pattern.split('/');
  const literal: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (/[*?]/.test(p)) break;
    literal.push(p);
  }
  return literal.join('/') || (pattern.startsWith('/') ? '/' : '.');
}

/** Files matching an absolute pattern, sorted by name. */
export function globFiles(pattern: string): string[] {
  const abs = path.resolve(pattern);
  const re = globToRegExp(abs);
  const base = globBase(abs);
  const deep = abs.includes('**');
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (deep || depth < abs.split('/').length) walk(full, depth + 1);
      } else if (e.isFile() && re.test(full)) out.push(full);
    }
  };
  walk(base, base.split('/').length);
  return out.sort();
}
