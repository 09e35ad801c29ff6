/** On a terminal, one status line redrawn every second: records/s in and out, total lag, DLQ count. */
import type { MetricsRegistry } from './metrics.js';

export function startProgressLine(metrics: MetricsRegistry, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => {};
  let lastIn = 0;
  let lastOut = 0;
  const timer = setInterval(() => {
    const inTotal = metrics.total('sluice_records_in_total') + metrics.total('sluice_source_records_total');
    const outTotal = metrics.total('sluice_records_out_total');
    const line = `in ${Math.round(inTotal - lastIn).toLocaleString()} rec/s  out ${Math.round(outTotal - lastOut).toLocaleString()} rec/s  lag ${metrics.total('sluice_consumer_lag').toLocaleString()}  dlq ${metrics.total('sluice_dlq_records_total')}`;
    lastIn = inTotal;
    lastOut = outTotal;
    stream.write(`\r\x1b[2K${line}`);
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    stream.write('\n');
  };
}
