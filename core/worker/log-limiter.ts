/**
 * A warning that may come thousands of times a second (failed logins, refused connections): the
 * first one is logged, then at most one line per interval with how many were left out, so an
 * attacker cannot fill the disk with log lines.
 */
import type { Logger } from '../log/types.js';

export class LogLimiter {
  private last = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(msg: string, fields: Record<string, unknown> = {}): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.logger.warn(msg, this.suppressed > 0 ? { ...fields, similarSinceLastLine: this.suppressed } : fields);
    this.last = now;
    this.suppressed = 0;
  }
}
