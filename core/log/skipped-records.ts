/**
 * What a loader of internal state (committed offsets, source offsets) could not read: counted per
 * reason and reported in one line with the first offsets, instead of one line per record (a
 * flood of bad records must not flood the log) or a crash (one bad record must not stop a start).
 */
import type { Logger } from './types.js';

const EXAMPLES = 5;

export class SkippedRecords {
  private readonly reasons = new Map<string, { count: number; offsets: number[] }>();
  total = 0;

  constructor(private readonly topic: string) {}

  add(offset: number, reason: string): void {
    let r = this.reasons.get(reason);
    if (!r) this.reasons.set(reason, (r = { count: 0, offsets: [] }));
    r.count++;
    if (r.offsets.length < EXAMPLES) r.offsets.push(offset);
    this.total++;
  }

  report(logger: Logger | undefined): void {
    if (this.total === 0 || !logger) return;
    const reasons = Object.fromEntries([...this.reasons].map(([reason, r]) => [reason, `${r.count} (offsets ${r.offsets.join(', ')}${r.count > r.offsets.length ? ', …' : ''})`]));
    logger.warn(`skipped ${this.total} record(s) of internal topic "${this.topic}" that Sluice did not write and cannot read`, { topic: this.topic, skipped: this.total, reasons });
  }
}
