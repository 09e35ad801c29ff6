import { it, expect } from 'vitest';
import { bytes, groupByKey, mapValues, to, string, TestDriver, type Rec } from '../../processors/index.js';
it('buffer through repartition', async () => {
  const d = new TestDriver((app) => {
    app.stream<string, Buffer>('raw', { key: string(), value: bytes() }).pipe(
      groupByKey((r: Rec<string, Buffer>) => r.value.toString().slice(0, 1)),
      mapValues((v: Buffer) => Buffer.isBuffer(v) ? 'buf' : typeof v),
      to('out', { key: string(), value: string() }),
    );
    app.stream<string, number>('ts', { key: string(), timestamp: () => NaN }).pipe(to('ts-out'));
  });
  await d.pipeInput('raw', [{ key: Buffer.from('k'), value: Buffer.from('abc') }]);
  await d.pipeInput('ts', [{ key: Buffer.from('k'), value: 1 }]);
  console.log(d.output('out'), d.output('ts-out'));
});
