/**
 * Each sink's context carries its own name (metrics labels, dead-letter counts and connector error
 * messages tell sinks apart) and an abort signal that is aborted when the app stops, after the
 * sink's last write.
 */
import { describe, expect, it } from 'vitest';
import { app } from '../../core/worker/app.js';
import type { ConnectorContext, Sink, SinkRecord } from '../../core/worker/contracts.js';
import { silentLogger } from '../../core/worker/logger.js';
import { testLog } from '../support/log.js';

/** Dead-letters every record whose value is "bad", as a sink does for a record it cannot write. */
class PickySink implements Sink {
  ctx?: ConnectorContext;
  written = 0;
  abortedDuringWrite = false;
  async start(ctx: ConnectorContext): Promise<void> {
    this.ctx = ctx;
  }
  async write(records: SinkRecord[]): Promise<void> {
    if (this.ctx!.signal.aborted) this.abortedDuringWrite = true;
    for (const r of records) {
      if (r.value?.toString() === 'bad') await this.ctx!.deadLetter(r, new Error(`sink "${this.ctx!.name}" cannot write it`), 1);
      else this.written++;
    }
  }
  async stop(): Promise<void> {}
}

describe('sink contexts', () => {
  it('name each sink, count its dead letters under its own name, and abort its signal at stop', async () => {
    const { client } = await testLog();
    await client.admin().createTopic('ctx-a', { partitions: 1 });
    await client.admin().createTopic('ctx-b', { partitions: 1 });
    await client.producer().send('ctx-a', [{ value: 'ok' }, { value: 'bad' }]);
    await client.producer().send('ctx-b', [{ value: 'bad' }, { value: 'bad' }, { value: 'ok' }]);
    const a = app({ id: 'ctx', log: client, logger: silentLogger });
    const first = new PickySink();
    const second = new PickySink();
    a.addSink('first', first, { topics: ['ctx-a'] });
    a.addSink('second', second, { topics: ['ctx-b'] });
    await a.start();
    await a.idle(200);
    expect([first.ctx!.name, second.ctx!.name]).toEqual(['first', 'second']);
    expect(first.ctx!.signal).not.toBe(second.ctx!.signal);
    expect(first.ctx!.signal.aborted).toBe(false);
    const text = a.metrics.render();
    expect(text).toContain('sluice_dlq_records_total{pipeline="sink-first"} 1');
    expect(text).toContain('sluice_dlq_records_total{pipeline="sink-second"} 2');
    await a.stop();
    expect(first.ctx!.signal.aborted && second.ctx!.signal.aborted).toBe(true);
    expect(first.abortedDuringWrite || second.abortedDuringWrite).toBe(false);
    expect([first.written, second.written]).toEqual([1, 1]);
  });
});
