/**
 * Bytes that do not deserialize (not JSON, or a value failing its zod schema). Not retriable: the
 * same bytes fail the same way, so the error policy sends the record straight to the dead-letter
 * topic with this message in `sluice.error`.
 */
import type { z } from 'zod';
import { SluiceError } from '../errors.js';

export class SerdeError extends SluiceError {
  constructor(
    message: string,
    /** The zod issues when a schema refused the value. */
    readonly issues?: z.ZodIssue[],
    options: { cause?: unknown } = {},
  ) {
    super('SERDE', message, options);
  }
}
