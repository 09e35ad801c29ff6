/**
 * Sluice as a user gets it: `npm pack` of this repository installed into a fresh `npm init -y`
 * project, CommonJS (npm's default) and ESM (`"type": "module"`), with an app file that imports
 * (or requires) 'sluice' — the package's dist/, another copy than the CLI's sources — run by
 * `npx sluice run`. Each run reads the records given to its input topic and writes its output
 * topic, which the test reads back with `npx sluice consume`. Before the fix, the CommonJS project
 * died with ERR_REQUIRE_CYCLE_MODULE and the ESM one said the file "must export an App".
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../support/tmp.js';

const root = tempDir('user-project');
let tarball = '';

const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', SLUICE_LOG_LEVEL: 'warn' };

/** Runs a command to its end without blocking the test worker (spawnSync would starve vitest's RPC). */
function sh(cmd: string, args: string[], cwd: string, input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: npmEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(input ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/**
 * A fresh project with the packed Sluice installed. The package is installed once, into the first
 * project; the second links to the same node_modules (an install takes a good part of this file's
 * run, and the package's own module type does not depend on the project's "type", which is what
 * differs between the two).
 */
let installed = '';
async function project(name: string, type: 'commonjs' | 'module'): Promise<string> {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  expect((await sh('npm', ['init', '-y'], dir)).code).toBe(0);
  if (type === 'module') {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, type: 'module' }, null, 2));
  }
  if (installed) {
    fs.symlinkSync(path.join(installed, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    return dir;
  }
  const r = await sh('npm', ['install', '--prefer-offline', '--no-package-lock', tarball], dir);
  expect(r.code, r.err).toBe(0);
  installed = dir;
  return dir;
}

const INPUT = Array.from({ length: 50 }, (_, i) => `user-${i % 5}:{"n":${i}}`).join('\n') + '\n';

const appTs = `import { app, embedded, mapValues, string, to } from 'sluice';

type Event = { n: number };
const a = app({ id: 'user-app', log: embedded('./data') });
a.stream<string, Event>('in', { key: string() }).pipe(
  mapValues((v: Event) => ({ n: v.n, doubled: v.n * 2 })),
  to('out', { key: string() }),
);
export default a;
`;

const appCjs = `const { app, mapValues, string, to } = require('sluice');

module.exports = ({ log }) => {
  const a = app({ id: 'user-app', log });
  a.stream('in', { key: string() }).pipe(mapValues((v) => ({ n: v.n, doubled: v.n * 2 })), to('out', { key: string() }));
  return a;
};
`;

/** Produces INPUT to "in", runs the app file until idle, and returns the records of "out". */
async function runAndRead(dir: string, file: string, runArgs: string[] = []): Promise<Array<{ key: string; value: { n: number; doubled: number } }>> {
  const p = await sh('npx', ['sluice', 'produce', 'in', '--key-separator', ':', '--data-dir', './data'], dir, INPUT);
  expect(p.code, p.err).toBe(0);
  const r = await sh('npx', ['sluice', 'run', file, '--exit-when-idle', '1500', ...runArgs], dir);
  expect(r.code, `${r.out}\n${r.err}`).toBe(0);
  const c = await sh('npx', ['sluice', 'consume', 'out', '--from-beginning', '--format', 'json', '--timeout-ms', '1000', '--data-dir', './data'], dir);
  expect(c.code, c.err).toBe(0);
  return c.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { key: string; value: string })
    .map((o) => ({ key: o.key, value: JSON.parse(o.value) }));
}

function expectDoubled(out: Array<{ key: string; value: { n: number; doubled: number } }>) {
  expect(out.map((o) => o.value.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  for (const o of out) {
    expect(o.value.doubled).toBe(o.value.n * 2);
    expect(o.key).toBe(`user-${o.value.n % 5}`);
  }
}

beforeAll(async () => {
  // `npm pack` runs the build (prepare), so dist/ is what a user gets.
  const r = await sh('npm', ['pack', '--pack-destination', root], repoRoot);
  expect(r.code, r.err).toBe(0);
  tarball = path.join(root, r.out.trim().split('\n').pop()!);
  expect(fs.existsSync(tarball)).toBe(true);
}, 300_000);


describe('sluice run in a user project', () => {
  it('CommonJS project (npm init -y): app.ts importing sluice, and job.js requiring it', async () => {
    const dir = await project('cjs', 'commonjs');
    fs.writeFileSync(path.join(dir, 'app.ts'), appTs);
    expectDoubled(await runAndRead(dir, 'app.ts'));
    fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
    // Another name than app: tsx resolves "app.js" to app.ts when both exist, as TypeScript does.
    fs.writeFileSync(path.join(dir, 'job.js'), appCjs);
    expectDoubled(await runAndRead(dir, 'job.js', ['--data-dir', './data']));
  }, 300_000);

  it('ESM project ("type": "module"): app.ts importing sluice, and the README\'s activity monitor as it is written there', async () => {
    const dir = await project('esm', 'module');
    fs.writeFileSync(path.join(dir, 'app.ts'), appTs);
    expectDoubled(await runAndRead(dir, 'app.ts'));

    // Quick start 2 of the README: its app.ts and its commands, word for word.
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Quick start 2'), readme.indexOf('## Quick start 3'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    const commands = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
    const qs = path.join(dir, 'quickstart');
    fs.mkdirSync(qs);
    fs.writeFileSync(path.join(qs, 'app.ts'), code);
    const r = await sh('sh', ['-e', '-c', commands], qs);
    expect(r.code, r.err).toBe(0);
    // 7 users, actions i % 4 (2 is idle), one event per ms from a 5 s boundary: windows 0–2 closed.
    const expected = new Map<string, number>();
    for (let i = 0; i < 15_000; i++) if (i % 4 !== 2) expected.set(`user-${i % 7}@${Math.floor(i / 5000)}`, (expected.get(`user-${i % 7}@${Math.floor(i / 5000)}`) ?? 0) + 1);
    const got = new Map<string, number>();
    for (const line of r.out.trim().split('\n')) {
      const [key, value] = line.split('\t') as [string, string];
      const k = JSON.parse(key) as { key: string; window: { start: number } };
      got.set(`${k.key}@${(k.window.start - 1_700_000_000_000) / 5000}`, Number(value));
    }
    expect(got).toEqual(expected);
    // The installed package answers for itself.
    const v = await sh('npx', ['sluice', '--version'], dir);
    expect(v.out.trim()).toBe(`sluice ${JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version}`);
  }, 300_000);
});
