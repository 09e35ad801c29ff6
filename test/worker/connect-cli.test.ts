import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEnvReferences } from '../../connectors/connect-file/env.js';
import { sluice as run } from '../cli/run-cli.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const dir = tempDir('connect');

// Asynchronous (spawnSync would hold vitest's worker and starve its RPC on a busy machine).
const sluice = (args: string[], env: Record<string, string> = {}) => run(args, { env });

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

describe('sluice connect and sluice run', () => {
  it('refuses a bad config naming the field', async () => {
    const missingPath = write('bad1.yaml', 'app: x\nsources:\n  - connector: file\n    topic: t\n    config: { format: jsonl }\n');
    const r1 = await sluice(['connect', missingPath]);
    expect(r1.code).not.toBe(0);
    expect(r1.err).toMatch(/sources\[0\]\.config\.path: Required/);
    const badFormat = write('bad2.yaml', 'app: x\nsources:\n  - connector: file\n    topic: t\n    config: { path: "./*.x", format: xml }\n');
    expect((await sluice(['connect', badFormat])).err).toMatch(/sources\[0\]\.config\.format/);
    const badApp = write('bad3.json', JSON.stringify({ app: 'has space', sinks: [{ connector: 'file', topics: ['t'], config: { dir: './o' } }] }));
    expect((await sluice(['connect', badApp])).err).toMatch(/app: use ASCII letters/);
    const unknown = write('bad4.yaml', 'app: x\nsinks:\n  - connector: nosuch\n    topics: [t]\n');
    expect((await sluice(['connect', unknown])).err).toMatch(/no sink connector named "nosuch"/);
    const badTransform = write('bad5.yaml', 'app: x\nsources:\n  - connector: file\n    topic: t\n    config: { path: "./*.x" }\n    transforms: [ { type: Nope } ]\n');
    expect((await sluice(['connect', badTransform])).err).toMatch(/sources\[0\]\.transforms\[0\]/);
    const unsetEnv = write('bad6.yaml', 'app: x\nsources:\n  - connector: file\n    topic: t\n    config: { path: "${env:SLUICE_NO_SUCH_VAR}" }\n');
    expect((await sluice(['connect', unsetEnv])).err).toMatch(/sources\[0\]\.config\.path: environment variable SLUICE_NO_SUCH_VAR is not set/);
  });

  it('reads ${env:NAME} and ${env:NAME:-default} from the environment, anywhere in the file', () => {
    const env = { PG_HOST: 'db.internal', EMPTY: '' };
    const raw = { app: 'x', sources: [{ config: { url: 'postgres://u@${env:PG_HOST}:${env:PG_PORT:-5432}/${env:DB:-shop}', tags: ['${env:EMPTY:-unused}'], n: 3 } }] };
    expect(resolveEnvReferences(raw, env)).toEqual({ app: 'x', sources: [{ config: { url: 'postgres://u@db.internal:5432/shop', tags: [''], n: 3 } }] });
    expect(() => resolveEnvReferences(raw, {})).toThrow(/^sources\[0\]\.config\.url: environment variable PG_HOST is not set/);
  });

  it('gives a clear error for a missing input directory', async () => {
    const f = write('nodir.yaml', 'app: nodir\ndataDir: ./nodir-data\nsources:\n  - connector: file\n    topic: t\n    config: { path: "./does-not-exist/*.jsonl" }\n');
    const r = await sluice(['connect', f, '--exit-when-idle', '200']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/does-not-exist.* does not exist/);
  });

  it('runs the ETL example end to end', async () => {
    const etl = path.join(dir, 'etl');
    fs.cpSync(path.join(repoRoot, 'examples/etl'), etl, { recursive: true, filter: (src) => !/\/(data|out)(\/|$)/.test(src) });
    const r = await sluice(['connect', path.join(etl, 'etl.yaml'), '--exit-when-idle', '500']);
    expect(r.code, r.err).toBe(0);
    const input = fs.readdirSync(path.join(etl, 'in')).flatMap((f) => fs.readFileSync(path.join(etl, 'in', f), 'utf8').trim().split('\n')).map((l) => JSON.parse(l));
    const expected = input.filter((e) => e.action === 'click' || e.action === 'hover');
    const out = fs.readFileSync(path.join(etl, 'out/raw-events/raw-events-000000.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(expected.length);
    expect(out[0]).toEqual({ userId: expected[0].userId, action: expected[0].action, timestamp: expected[0].ts, pipeline: 'etl-demo' });
  });

  it('runs an App exported by a TypeScript file, without a build step', async () => {
    const data = path.join(dir, 'run-data');
    const file = path.join(repoRoot, 'test/fixtures/run-app.ts');
    const r = await sluice(['run', file], { SLUICE_TEST_DATA_DIR: data });
    expect(r.code, r.err).toBe(0);
    const c = await sluice(['consume', 'upper', '--from-beginning', '--timeout-ms', '300', '--data-dir', data]);
    expect(c.out.trim().split('\n')).toEqual(['HELLO', 'WORLD']);
  });
});
