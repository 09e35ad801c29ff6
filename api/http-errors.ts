/**
 * Errors as HTTP answers, in Kafka Connect's shape `{ "error_code": 404, "message": "…" }`: the
 * errors the log and the worker raise map to a status by their stable code.
 */
import { z } from 'zod';
import { SluiceError } from '../core/errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const errorBody = z.object({ error_code: z.number().int(), message: z.string() }).describe("an error (Kafka Connect's shape)");

const STATUS_BY_CODE: Record<string, number> = {
  UNKNOWN_TOPIC: 404,
  UNKNOWN_PARTITION: 404,
  UNKNOWN_GROUP: 404,
  UNKNOWN_CONNECTOR: 404,
  TOPIC_EXISTS: 409,
  GROUP_NOT_EMPTY: 409,
  CONNECTOR_STATE: 409,
  STORE_KEY: 400,
  INTERNAL_TOPIC: 403,
  INVALID_TOPIC: 400,
  INVALID_CONFIG: 400,
  APP_CONFIG: 400,
  INVALID_PARTITIONS: 400,
  RECORD_TOO_LARGE: 413,
  UNSUPPORTED_BY_BROKER: 501,
};

/** A zod failure as one line naming each field: `query.offset: Expected number, received nan`. */
export function validationMessage(where: string, err: z.ZodError): string {
  return err.issues.map((i) => `${[where, ...i.path].join('.')}: ${i.message}`).join('; ');
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof SluiceError) return new HttpError(STATUS_BY_CODE[err.code] ?? (err.retriable ? 503 : 500), err.message);
  return new HttpError(500, err instanceof Error ? err.message : String(err));
}
