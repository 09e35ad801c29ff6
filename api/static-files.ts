/**
 * Serves the prebuilt console (Vite's output, shipped in the npm package) with a Content Security
 * Policy that runs only the bundle's own scripts: nothing a record contains can execute.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Where the built console is: dist/console beside the sources, or console/ beside the compiled api/. */
export function consoleDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.join(here, '..', 'dist', 'console'), path.join(here, '..', 'console')].find((d) => fs.existsSync(path.join(d, 'index.html')));
}

/** Answers a GET for the console's files; false when the path is not one of them. */
export function serveStatic(dir: string | undefined, urlPath: string, res: http.ServerResponse): boolean {
  if (urlPath !== '/' && urlPath !== '/index.html' && !urlPath.startsWith('/assets/') && urlPath !== '/favicon.svg') return false;
  if (!dir) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('the console is not built: run `npm run build:console` in the sluice package (the API under /api is available)\n');
    return true;
  }
  const rel = urlPath === '/' ? 'index.html' : decodeURIComponent(urlPath.slice(1));
  const file = path.resolve(dir, rel);
  if (!file.startsWith(path.resolve(dir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return true;
  }
  const ext = path.extname(file);
  const headers: Record<string, string> = { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' };
  if (ext === '.html') Object.assign(headers, { 'content-security-policy': CSP, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' });
  else if (urlPath.startsWith('/assets/')) headers['cache-control'] = 'public, max-age=31536000, immutable';
  res.writeHead(200, headers);
  fs.createReadStream(file).pipe(res);
  return true;
}
