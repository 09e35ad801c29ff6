/**
 * `sluice run`, `sluice connect` and `sluice broker` when something is wrong, and their new flags:
 * a file that started its own app and exports something else exits (it was left running, holding
 * the data directory); --metrics-port serves /metrics and /health for the app a file exports; a
 * connect file with a misspelt key (keyfield, envelop) is refused naming the key and the closest
 * known one (it ran with the default); a bad transform names its type (it said "Invalid input");
 * a sink used as a source says so (redis was listed among the known sources); --validate checks
 * a file without running it; a broker on a port in use says so in one line and creates no data
 * directory (it printed a stack trace and created it).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../support/tmp.js';
import { sluice } from './run-cli.js';

const dir = tempDir('run-connect');
const fixture = (name: string) => path.join(repoRoot, 'test/fixtures', name);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('sluice run', () => {
  it('stops an app the file started itself when the file does not export one, and exits', async () => {
    const data = path.join(dir, 'self');
    const r = await sluice(['run', fixture('self-starting-app.ts')], { env: { SLUICE_TEST_DATA_DIR: data }, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n').at(-1)).toMatch(/self-starting-app\.ts must export an App by default/);
    // The data directory is free again.
    expect((await sluice(['topics', 'list', '--data-dir', data])).code).toBe(0);
  });

  it('says when the file does not exist', async () => {
    const r = await sluice(['run', path.join(dir, 'nope.ts')]);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(/nope\.ts does not exist$/);
  });

  it('serves /metrics and /health with --metrics-port, and stops on SIGTERM', async () => {
    const data = path.join(dir, 'metrics');
    expect((await sluice(['produce', 'in', '--data-dir', data], { input: 'a\nb\nc\n' })).code).toBe(0);
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const { bin } = await import('./run-cli.js');
    const child = spawn(process.execPath, [bin, 'run', fixture('log-choice-app.ts'), '--data-dir', data, '--metrics-port', String(port)], { env: { ...process.env, SLUICE_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      let metrics = '';
      for (let i = 0; i < 200 && !/sluice_records_in_total\{topic="in"\} 3/.test(metrics); i++) {
        metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((res) => res.text(), () => '');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(metrics).toMatch(/sluice_records_in_total\{topic="in"\} 3/);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'up', app: 'log-choice' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});

describe('sluice connect files', () => {
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const fileSource = (extra: string) => `app: x\nsources:\n  - connector: file\n    topic: t\n    config: { path: "./*.jsonl"${extra} }\n`;

  it('refuses unknown keys naming the key and the closest known one', async () => {
    const cases: Array<[string, RegExp]> = [
      [fileSource(', format: jsonl, keyfield: id'), /sources\[0\]\.config\.keyfield: unknown field "keyfield" \(did you mean "keyField"\?\)/],
      ['app: x\nsinks:\n  - connector: file\n    topics: [t]\n    config: { dir: ./out, envelop: true }\n', /sinks\[0\]\.config\.envelop: unknown field "envelop" \(did you mean "envelope"\?\)/],
      ['app: x\nsourcse: []\nsinks:\n  - connector: file\n    topics: [t]\n    config: { dir: ./out }\n', /sourcse: unknown field "sourcse" \(did you mean "sources"\?\)/],
      ['app: x\nsinks:\n  - connector: file\n    topic: [t]\n    config: { dir: ./out }\n', /sinks\[0\]\.topic: unknown field "topic" \(did you mean "topics"\?\)/],
      ['app: x\nerrors: { retires: 3 }\nsinks:\n  - connector: file\n    topics: [t]\n    config: { dir: ./out }\n', /errors\.retires: unknown field "retires" \(did you mean "retries"\?\)/],
      [fileSource('') + '    transforms:\n      - { type: InsertField, field: f, valeu: 1 }\n', /sources\[0\]\.transforms\[0\]\.valeu: unknown field "valeu" \(did you mean "value"\?\)/],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const r = await sluice(['connect', write(`unknown-${i}.yaml`, text), '--validate']);
      expect(r.code, r.err).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    }
  });

  it('names the transform type in its errors and which kind a connector is', async () => {
    const badType = await sluice(['connect', write('t1.yaml', fileSource('') + '    transforms: [ { type: InsertFeild, field: f } ]\n'), '--validate']);
    expect(badType.err.trim()).toMatch(/sources\[0\]\.transforms\[0\]\.type: "InsertFeild" is not a transform \(did you mean InsertField\?\); known: InsertField, ReplaceField, ValueToKey, Filter, Route$/);
    const badField = await sluice(['connect', write('t2.yaml', fileSource('') + '    transforms: [ { type: InsertField } ]\n'), '--validate']);
    expect(badField.err.trim()).toMatch(/sources\[0\]\.transforms\[0\]\.field: InsertField: Required$/);
    const badFilter = await sluice(['connect', write('t3.yaml', fileSource('') + '    transforms: [ { type: Filter, field: a } ]\n'), '--validate']);
    expect(badFilter.err).toMatch(/sources\[0\]\.transforms\[0\]: Filter: Filter needs one of equals, in or matches/);
    const redisSource = await sluice(['connect', write('r.yaml', 'app: x\nsources:\n  - connector: redis\n    topic: t\n'), '--validate']);
    expect(redisSource.err.trim()).toMatch(/sources\[0\]\.connector: no source connector named "redis"; "redis" is a sink only; known sources: file, http, postgres-cdc$/);
  });

  it('--validate checks a file and starts nothing', async () => {
    const f = write('ok.yaml', 'app: ok\ndataDir: ./ok-data\nsources:\n  - connector: file\n    name: in\n    topic: raw\n    config: { path: "./*.jsonl", format: jsonl }\n    transforms: [ { type: InsertField, field: f, value: 1 } ]\nsinks:\n  - connector: file\n    topics: [raw]\n    config: { dir: ./ok-out }\n');
    const r = await sluice(['connect', f, '--validate']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`${f}: valid — app "ok" on data directory ./ok-data\n  source in (file) → raw [InsertField]\n  sink file-0 (file) ← raw\n`);
    expect(fs.existsSync(path.join(dir, 'ok-data'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'ok-out'))).toBe(false);
  });
});

describe('sluice broker', () => {
  it('on a port in use: one line, exit 1, and no data directory', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const data = path.join(dir, 'broker-data');
      const r = await sluice(['broker', '--port', String(port), '--data-dir', data]);
      expect(r.code).toBe(1);
      expect(r.err.trim()).toBe(`sluice broker: cannot listen on 127.0.0.1:${port}: the port is in use (another broker or process); choose another port`);
      expect(fs.existsSync(data)).toBe(false);
    } finally {
      busy.close();
    }
  });
});
