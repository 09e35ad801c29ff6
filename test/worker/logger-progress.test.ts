/**
 * Log lines a person reads on a terminal and a machine reads from a pipe, and the progress line's
 * in and out counted separately (it showed "out 0 rec/s" while a sink wrote, and summed source
 * and sink reads as "in").
 */
import { describe, expect, it } from 'vitest';
import { createLogger, defaultLogFormat } from '../../core/worker/logger.js';
import { embedded } from '../../core/client/embedded/client.js';
import { app } from '../../core/worker/app.js';
import { silentLogger } from '../../core/worker/logger.js';
import { MetricsRegistry } from '../../core/worker/metrics.js';
import { progressLine, progressTotals } from '../../core/worker/progress.js';

describe('logger', () => {
  const capture = (format: 'json' | 'text') => {
    const lines: string[] = [];
    const log = createLogger({ name: 'shop', level: 'info', format, write: (l) => lines.push(l) });
    log.info('app started', { app: 'shop', pipelines: ['a', 'b'], note: 'two words' });
    log.debug('not shown');
    log.warn('record dead-lettered', { offset: 7 });
    return lines;
  };

  it('writes JSON lines for machines', () => {
    const [a, b, c] = capture('json');
    expect(c).toBeUndefined();
    expect(JSON.parse(a!)).toMatchObject({ level: 'info', name: 'shop', msg: 'app started', app: 'shop', pipelines: ['a', 'b'], note: 'two words' });
    expect(JSON.parse(b!)).toMatchObject({ level: 'warn', msg: 'record dead-lettered', offset: 7 });
  });

  it('writes a readable line for people', () => {
    const [a, b] = capture('text');
    expect(a).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}INFO {3}shop {2}app started {2}app=shop pipelines=\["a","b"\] note="two words"\n$/);
    expect(b).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}WARN {3}shop {2}record dead-lettered {2}offset=7\n$/);
  });

  it('picks text on a terminal and JSON on a pipe, unless SLUICE_LOG_FORMAT says', () => {
    const saved = process.env.SLUICE_LOG_FORMAT;
    try {
      delete process.env.SLUICE_LOG_FORMAT;
      expect(defaultLogFormat({ isTTY: true })).toBe('text');
      expect(defaultLogFormat({ isTTY: false })).toBe('json');
      process.env.SLUICE_LOG_FORMAT = 'json';
      expect(defaultLogFormat({ isTTY: true })).toBe('json');
    } finally {
      if (saved === undefined) delete process.env.SLUICE_LOG_FORMAT;
      else process.env.SLUICE_LOG_FORMAT = saved;
    }
  });
});

describe('progress line', () => {
  it('counts in from sources and topics, out to topics and sinks, each on its own', () => {
    const m = new MetricsRegistry();
    const before = progressTotals(m);
    m.counter('sluice_source_records_total', 'h', { connector: 'in' }).inc(1000); // read by a source, written to its topic
    m.counter('sluice_records_in_total', 'h', { topic: 'raw' }).inc(1000); // read from the topic by the sink
    m.counter('sluice_sink_records_total', 'h', { sink: 'out' }).inc(900); // written by the sink
    m.counter('sluice_records_out_total', 'h', { topic: 'clean' }).inc(50); // produced by a pipeline
    m.gauge('sluice_consumer_lag', 'h', { topic: 'raw', partition: '0' }).set(100);
    expect(progressLine(progressTotals(m), before, 2)).toBe('in: sources 500/s, topics 500/s  out: topics 525/s, sinks 450/s  lag 100  dlq 0');
  });

  it('a sink\'s writes are counted as out (sluice_sink_records_total)', async () => {
    const log = embedded({ memory: true });
    const written: unknown[] = [];
    const a = app({ id: 'counted', log, logger: silentLogger });
    try {
      await log.admin().createTopic('raw', { partitions: 1 });
      await log.producer().send('raw', Array.from({ length: 25 }, (_, i) => ({ value: String(i) })));
      a.addSink('out', { start: async () => {}, stop: async () => {}, write: async (records) => void written.push(...records) }, { topics: ['raw'] });
      await a.start();
      await a.idle(300);
      expect(written).toHaveLength(25);
      expect(a.metrics.total('sluice_sink_records_total')).toBe(25);
      expect(a.metrics.total('sluice_records_in_total')).toBe(25);
    } finally {
      await a.stop();
      await log.close();
    }
  });
});
