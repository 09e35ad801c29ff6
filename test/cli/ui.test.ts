/**
 * The console and API from the command line: `sluice broker --ui` serves the log it holds and
 * `sluice ui --brokers` the same log through that broker; each prints the console's URL (with the
 * token when it made one), answers the API, refuses a write without the token and stops cleanly.
 */
import { describe, expect, it } from 'vitest';
import { sluiceSpawn, type SluiceProcess } from '../support/cli.js';
import { until } from '../support/console-app.js';
import { tempDir } from '../support/tmp.js';

/** The process's output so far, read as it comes. */
function output(p: SluiceProcess): () => string {
  let text = '';
  p.child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  p.child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

const json = { 'content-type': 'application/json' };

describe('sluice --ui and sluice ui', () => {
  it('serves the console and API from sluice broker, and from sluice ui --brokers over it', async () => {
    const broker = sluiceSpawn(['broker', '--data-dir', tempDir('ui'), '--port', '0', '--ui', '--http-port', '0'], { timeoutMs: 60_000 });
    const brokerOut = output(broker);
    const url = new URL(await until(() => /sluice: console (\S+)/.exec(brokerOut())?.[1], 'the console URL', 30_000));
    const address = /listening on (\S+?)[\s,(]/.exec(brokerOut())![1]!;
    const token = /^#token=(.+)$/.exec(url.hash)![1]!;
    expect((await fetch(`${url.origin}/`)).headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${url.origin}/api/topics`, { method: 'POST', body: '{"name":"t1"}', headers: json })).status).toBe(401);
    const made = await fetch(`${url.origin}/api/topics`, { method: 'POST', body: '{"name":"t1","partitions":2}', headers: { ...json, authorization: `Bearer ${token}` } });
    expect(made.status).toBe(201);

    const ui = sluiceSpawn(['ui', '--brokers', address, '--http-port', '0'], { timeoutMs: 60_000, env: { SLUICE_HTTP_TOKEN: 'a-token-given-by-env-0123' } });
    const uiOut = output(ui);
    const uiUrl = new URL(await until(() => /sluice: console (\S+)/.exec(uiOut())?.[1], 'the ui URL', 30_000));
    // A token the user gave is not printed.
    expect(uiUrl.hash).toBe('');
    const topics = (await (await fetch(`${uiUrl.origin}/api/topics?internal=false`)).json()) as Array<{ name: string; partitions: number }>;
    expect(topics.find((t) => t.name === 't1')).toMatchObject({ partitions: 2 });
    expect((await fetch(`${uiUrl.origin}/api/topics/t1`, { method: 'DELETE', headers: { authorization: 'Bearer a-token-given-by-env-0123' } })).status).toBe(204);
    ui.child.kill('SIGTERM');
    expect((await ui.exited).code).toBe(0);
    broker.child.kill('SIGTERM');
    expect((await broker.exited).code).toBe(0);
  });
});
