/**
 * One management-API endpoint: its method and path, the zod schemas of its path parameters, query
 * and body (the server validates with them and the OpenAPI document is generated from them), and
 * the handler. A route is a write (needs the token even on loopback) unless it is a GET.
 */
import type { z } from 'zod';
import type { ApiContext } from './context.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Aborted when the client goes away (long reads and streams stop). */
  signal: AbortSignal;
}

export interface Route<P extends z.ZodTypeAny = z.ZodTypeAny, Q extends z.ZodTypeAny = z.ZodTypeAny, B extends z.ZodTypeAny = z.ZodTypeAny> {
  method: Method;
  /** OpenAPI template: /api/topics/{topic}. */
  path: string;
  tag: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The success response's schema (documentation; what the handler returns). */
  response?: z.ZodTypeAny;
  /** Success status (default 200; 204 sends no body). */
  status?: number;
  handler(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>, ctx: ApiContext): Promise<unknown>;
}

/** Keeps each route's handler typed by its own schemas. */
export function route<P extends z.ZodTypeAny, Q extends z.ZodTypeAny, B extends z.ZodTypeAny>(r: Route<P, Q, B>): Route {
  return r as unknown as Route;
}

/** A server-sent-events endpoint: `start` writes events until the client leaves. */
export interface StreamRoute {
  path: string;
  tag: string;
  summary: string;
  /** The schema of each event's data (documentation). */
  event: z.ZodTypeAny;
  start(send: (event: string, data: unknown) => void, ctx: ApiContext, signal: AbortSignal): void;
}
