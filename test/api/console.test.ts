/**
 * The web console in a real browser (Debian's Chromium through playwright-core), one launch for
 * every page, over a running app and the management server in this process. Screenshots of each
 * page go to test-artifacts/console/ (gitignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startManagementServer, type ManagementServer } from '../../api/server.js';
import { embedded } from '../../core/client/embedded/client.js';
import { silentLogger } from '../../core/worker/logger.js';
import { count, groupByKey, json, named, string, to } from '../../processors/index.js';
import { app as streamsApp } from '../../processors/streams-app.js';
import { onCleanup } from '../support/cleanup.js';
import { consoleFixture, until, type ConsoleFixture } from '../support/console-app.js';
import { readTopic } from '../support/log.js';
import { repoRoot, tempDir } from '../support/tmp.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = path.join(repoRoot, 'test-artifacts', 'console');

let f: ConsoleFixture;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'console', 'index.html'))) {
    // `npm test` builds the console first (pretest); a targeted run builds it here.
    const { build } = await import('vite');
    await build({ configFile: path.join(repoRoot, 'console', 'vite.config.ts'), logLevel: 'warn' });
  }
  fs.mkdirSync(shots, { recursive: true });
  f = await consoleFixture();
  // Chromium and Playwright write their profiles and scratch files under TMPDIR: one of ours, removed at the end.
  const scratch = tempDir('chromium');
  const tmp = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], env: { ...process.env, TMPDIR: scratch } });
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  }
  onCleanup(() => browser.close());
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (d) => void d.dismiss());
  // The token arrives in the URL's fragment, as `sluice --ui` prints it.
  await page.goto(f.server.consoleUrl);
});

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

describe('the console', () => {
  it('shows a topic a test created, with its live rate', async () => {
    await f.client.admin().createTopic('made-by-test', { partitions: 3 });
    const row = page.locator('[data-testid=topics] tr', { hasText: 'made-by-test' });
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('3');
    // The source writes to ticks all the time: its rate shows once two samples came.
    await page.locator('[data-testid=topics] tr', { hasText: 'ticks' }).locator('td').nth(4).filter({ hasNotText: /^0$/ }).waitFor();
    expect(page.url()).not.toContain('token=');
    await shot('topics');
  });

  it('browses messages with their headers, as text that never runs', async () => {
    await page.goto(`${f.base}/#/topics/orders`);
    await page.locator('[data-testid=browse] button[type=submit]').click();
    const rows = page.locator('[data-testid=records] tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    const first = rows.filter({ hasText: 'o-1' });
    expect(await first.locator('.headers').textContent()).toContain('traceabc-1');
    await page.locator('[data-testid=browse] select').nth(0).selectOption('1');
    await page.locator('[data-testid=browse] button[type=submit]').click();
    const hostile = rows.filter({ hasText: 'o-4' });
    await hostile.waitFor();
    expect(await hostile.locator('pre.value').textContent()).toBe('<img src=x onerror="window.__pwned=1">');
    expect(await hostile.locator('.headers').textContent()).toContain('<script>window.__pwned=2</script>');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main img, main script').count()).toBe(0);
    await shot('topic-messages');
  });

  it("watches a group's lag fall to 0 while a consumer runs", async () => {
    await f.client.admin().createTopic('backlog', { partitions: 1 });
    await f.client.producer().send('backlog', Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    await f.client.admin().setGroupOffsets('slow-readers', [{ topic: 'backlog', partition: 0, offset: 0 }]);
    await page.goto(`${f.base}/#/groups/slow-readers`);
    const lag = page.locator('[data-testid=group-lag]');
    await expectText(lag, (t) => t === '3000');
    await shot('group-lagging');
    // A consumer that takes 150 records at a time and commits each batch.
    const log = f.client;
    const consumer = log.consumer({ groupId: 'slow-readers', topics: ['backlog'] });
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const batches = await consumer.poll({ maxWaitMs: 100, maxRecords: 150 });
        for (const b of batches) await consumer.commit([{ topic: b.topic, partition: b.partition, offset: b.records[b.records.length - 1]!.offset + 1 }]);
        await new Promise((r) => setTimeout(r, 60));
      }
    })();
    onCleanup(async () => {
      stop = true;
      await loop.catch(() => {});
      await consumer.close();
    });
    const seen: number[] = [];
    await expectText(lag, (t) => {
      seen.push(Number(t));
      return t === '0';
    });
    // It fell through values in between: the page followed the consumer, not just its end.
    expect(seen.some((n) => n > 0 && n < 3000)).toBe(true);
    await shot('group-caught-up');
    stop = true;
    await loop;
  });

  it('pauses and resumes a connector and sees its rate stop and start', async () => {
    await page.goto(`${f.base}/#/connectors`);
    const row = page.locator('[data-testid=connectors] tr[data-connector=ticker]');
    await expectText(row.locator('.rate'), (t) => Number(t) > 0);
    await row.getByRole('button', { name: 'pause' }).click();
    await expectText(row.locator('.state'), (t) => t === 'PAUSED');
    await expectText(row.locator('.rate'), (t) => t === '0');
    await shot('connector-paused');
    await row.getByRole('button', { name: 'resume' }).click();
    await expectText(row.locator('.state'), (t) => t === 'RUNNING');
    await expectText(row.locator('.rate'), (t) => Number(t) > 0);
    await shot('connectors');
  });

  it("draws a pipeline's graph with its topics", async () => {
    await page.goto(`${f.base}/#/pipelines`);
    const graph = page.locator('[data-testid=pipeline-parse] svg');
    await graph.waitFor();
    const labels = await graph.locator('text').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['parse-source', 'parse', 'parse-sink-parsed']));
    expect(labels.some((l) => l.startsWith('orders · '))).toBe(true);
    expect(labels.some((l) => l.startsWith('→ parsed · '))).toBe(true);
    await shot('pipelines');
  });

  it('replays a dead letter to its source topic', async () => {
    await page.goto(`${f.base}/#/dead-letters/shop.dlq`);
    const row = page.locator('[data-testid=records] tbody tr', { hasText: 'o-3' }).first();
    await row.waitFor();
    expect(await row.locator('.error-message').textContent()).toMatch(/JSON/);
    const before = (await readTopic(f.engine, 'orders')).length;
    await row.getByRole('button', { name: 'replay' }).click();
    await expectText(row.locator('.ok'), (t) => /replayed to orders\/0 at \d+/.test(t));
    const orders = await readTopic(f.engine, 'orders');
    expect(orders).toHaveLength(before + 1);
    expect(orders.some((r) => r.headers['sluice.replayed.from'] !== undefined)).toBe(true);
    await shot('dead-letters');
  });
});

/**
 * A DSL app beside the fixture's (its own client on the same log, its own server): it counts the
 * ticker's records per key in a store, so its graph has per-node rates and its store has keys.
 */
describe("a DSL app's console", () => {
  let server: ManagementServer;
  beforeAll(async () => {
    const a = streamsApp({ id: 'tally', log: embedded(f.engine), logger: silentLogger, batch: { maxWaitMs: 50 } });
    a.stream<string, { tick: number }>('ticks', { key: string(), value: json() }).pipe(groupByKey(), named('tick-count', count({ name: 'tick-counts' })), to('tick-counts-out'));
    await a.start();
    onCleanup(() => a.stop());
    server = await startManagementServer({ client: a.client, app: a, port: 0, liveIntervalMs: 250, token: 'test-token-0123456789' });
    onCleanup(() => server.close());
    await page.goto(server.consoleUrl);
  });

  it("shows each node's live rate on the pipeline graph and charts a node", async () => {
    await page.goto(`${server.url}#/pipelines`);
    // The ticker writes all the time: the count node's rate is above 0 once two readings came.
    const rate = page.locator('[data-testid="node-rate-tick-count"]');
    await expectText(rate, (t) => /^[0-9.]+k? rec\/s/.test(t) && !t.startsWith('0 '));
    await page.locator('[data-testid="node-tick-count"]').click();
    const chart = page.locator('[data-testid=node-chart]');
    await chart.waitFor();
    expect(await chart.locator('figcaption').textContent()).toContain('tick-count');
    await shot('pipeline-node-rates');
  });

  it('looks up a store key', async () => {
    await page.goto(`${server.url}#/pipelines`);
    const stores = page.locator('[data-testid=stores]');
    await stores.locator('tr', { hasText: 'tick-counts' }).waitFor();
    // The store keeps its keys with count()'s default JSON serde: a string key is typed in quotes.
    await stores.getByLabel('key').fill('"t3"');
    await stores.getByRole('button', { name: 'get' }).click();
    const row = page.locator('[data-testid=store-entries] tbody tr');
    await row.first().waitFor();
    expect(await row.first().locator('td').allTextContents()).toEqual(['"t3"', '1', expect.stringMatching(/^\d$/)]);
    await shot('store-lookup');
  });
});

/** Waits until the element's text satisfies `ok` (bounded; never a timing assertion). */
async function expectText(loc: ReturnType<Page['locator']>, ok: (text: string) => boolean, timeoutMs = 20_000): Promise<void> {
  await until(async () => {
    const t = (await loc.textContent({ timeout: timeoutMs }))?.trim() ?? '';
    return ok(t) ? true : undefined;
  }, `text of ${loc}`, timeoutMs);
}
