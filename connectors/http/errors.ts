/** Errors of the HTTP connectors (codes are stable; see core/errors.ts). */
import { SluiceError } from '../../core/errors.js';

/** A webhook body that is not valid JSON / NDJSON; `line` is 1-based within the body. */
export class MalformedBodyError extends SluiceError {
  constructor(
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super('HTTP_MALFORMED_BODY', `line ${line}, column ${column}: ${detail}`);
  }
}

/**
 * A POST of the HTTP sink that did not succeed: `status` is the HTTP status, or null when no
 * response came (connection refused or reset, timeout). Retriable for network errors, timeouts,
 * 408, 425, 429 and 5xx; any other answer will not change on a retry.
 */
export class HttpSinkError extends SluiceError {
  constructor(
    message: string,
    readonly status: number | null,
    options: { retriable: boolean; cause?: unknown; retryAfterMs?: number },
  ) {
    super(status === null ? 'HTTP_SINK_UNREACHABLE' : 'HTTP_SINK_STATUS', message, options);
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The server's Retry-After, in ms from when the answer came. */
  readonly retryAfterMs: number | undefined;
}
