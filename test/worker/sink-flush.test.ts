/**
 * A sink with flush() (Kafka Connect's put/flush): the worker commits a batch's offsets only once
 * flush() after its write() has resolved, and on the embedded log writes the next batch while
 * that flush() still runs. A flush() that rejects stops the sink, its offsets uncommitted.
 */
import { describe, expect, it } from 'vitest';
import { app } from '../../core/worker/app.js';
import type { ConnectorContext, Sink, SinkRecord } from '../../core/worker/contracts.js';
import { silentLogger } from '../../core/worker/logger.js';
import { clientKind, testLog } from '../support/log.js';

/** Each flush() waits until the test lets it go (or fails it). */
class GatedSink implements Sink {
  writes: number[] = [];
  /** write() calls made while a flush() was pending. */
  writesDuringFlush = 0;
  private gates: Array<{ open: () => void; fail: (e: Error) => void }> = [];
  flushes = 0;
  async start(_ctx: ConnectorContext): Promise<void> {}
  async write(records: SinkRecord[]): Promise<void> {
    if (this.gates.length) this.writesDuringFlush++;
    this.writes.push(records.length);
  }
  flush(): Promise<void> {
    this.flushes++;
    return new Promise((open, fail) => this.gates.push({ open, fail }));
  }
  get pending(): number {
    return this.gates.length;
  }
  release(): void {
    this.gates.shift()?.open();
  }
  failNext(): void {
    this.gates.shift()?.fail(new Error('fdatasync failed'));
  }
  async stop(): Promise<void> {}
}

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await cond()).toBe(true);
}

describe('sink flush', () => {
  it('commits a batch only after its flush(), and writes the next batch meanwhile on the embedded log', async () => {
    const { client } = await testLog();
    await client.admin().createTopic('gated', { partitions: 1 });
    await client.producer().send('gated', Array.from({ length: 30 }, (_, i) => ({ value: `{"n":${i}}` })));
    const a = app({ id: 'gate', log: client, logger: silentLogger, batch: { maxRecords: 10, maxWaitMs: 20 } });
    const sink = new GatedSink();
    a.addSink('out', sink, { topics: ['gated'] });
    const committed = async () => (await client.admin().describeGroup('gate.sink-out')).offsets[0]?.committed ?? 0;
    await a.start();
    await until(() => sink.pending === 1);
    if (clientKind === 'embedded') await until(() => sink.writes.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(await committed()).toBeLessThanOrEqual(0);
    sink.release();
    await until(async () => (await committed()) === 10);
    while ((await committed()) < 30) {
      if (sink.pending) sink.release();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sink.writes.reduce((x, y) => x + y, 0)).toBe(30);
    if (clientKind === 'embedded') expect(sink.writesDuringFlush).toBeGreaterThan(0);
    await a.stop();
  });

  it('stops the sink when flush() rejects, leaving the batch uncommitted', async () => {
    const { client } = await testLog();
    await client.admin().createTopic('gated-fail', { partitions: 1 });
    await client.producer().send('gated-fail', Array.from({ length: 5 }, (_, i) => ({ value: `{"n":${i}}` })));
    const a = app({ id: 'gatefail', log: client, logger: silentLogger, batch: { maxRecords: 10, maxWaitMs: 20 }, connectorFailure: 'connector' });
    const sink = new GatedSink();
    a.addSink('out', sink, { topics: ['gated-fail'] });
    await a.start();
    await until(() => sink.pending === 1);
    sink.failNext();
    await until(() => a.connectorInfo().some((c) => c.name === 'out' && c.state === 'FAILED'));
    expect((await client.admin().describeGroup('gatefail.sink-out')).offsets[0]?.committed ?? 0).toBeLessThanOrEqual(0);
    await a.stop();
  });
});
