/**
 * On a terminal, one status line redrawn every second: records/s coming in (from sources, and
 * read from topics by pipelines and sinks) and going out (written to topics, and to sinks), the
 * total lag and the dead-letter count. In and out are counted separately, so a file-to-file job
 * shows its source reads and its sink writes rather than their sum.
 */
export interface MetricTotals {
  total(name: string): number;
}

/** The rates of one interval, for the line (and its test). */
export function progressLine(now: Record<string, number>, before: Record<string, number>, seconds: number): string {
  const rate = (name: string) => Math.round(((now[name] ?? 0) - (before[name] ?? 0)) / seconds).toLocaleString('en-US');
  return (
    `in: sources ${rate('sluice_source_records_total')}/s, topics ${rate('sluice_records_in_total')}/s  ` +
    `out: topics ${rate('topics_out')}/s, sinks ${rate('sluice_sink_records_total')}/s  ` +
    `lag ${(now.sluice_consumer_lag ?? 0).toLocaleString('en-US')}  dlq ${(now.sluice_dlq_records_total ?? 0).toLocaleString('en-US')}`
  );
}

/** The totals the line is drawn from: records a source produced also went out to its topic. */
export function progressTotals(metrics: MetricTotals): Record<string, number> {
  const t = (n: string) => metrics.total(n);
  return {
    sluice_source_records_total: t('sluice_source_records_total'),
    sluice_records_in_total: t('sluice_records_in_total'),
    topics_out: t('sluice_records_out_total') + t('sluice_source_records_total'),
    sluice_sink_records_total: t('sluice_sink_records_total'),
    sluice_consumer_lag: t('sluice_consumer_lag'),
    sluice_dlq_records_total: t('sluice_dlq_records_total'),
  };
}

export function startProgressLine(metrics: MetricTotals, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => {};
  let before = progressTotals(metrics);
  let at = Date.now();
  const timer = setInterval(() => {
    const now = progressTotals(metrics);
    const t = Date.now();
    stream.write(`\r\x1b[2K${progressLine(now, before, Math.max(0.001, (t - at) / 1000))}`);
    before = now;
    at = t;
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    stream.write('\n');
  };
}
