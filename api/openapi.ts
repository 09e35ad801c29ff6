/**
 * The OpenAPI 3.1 document of the management API, generated from the routes' own zod schemas:
 * what a handler validates is what the document says, and an endpoint cannot be left out of it.
 */
import { z } from 'zod';
import { errorBody } from './http-errors.js';
import { isOptional, jsonSchema, type JsonSchema } from './json-schema.js';
import type { Route, StreamRoute } from './route.js';

function parameters(schema: z.ZodTypeAny | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  let s = schema;
  while (s instanceof z.ZodEffects) s = s.innerType();
  if (!(s instanceof z.ZodObject)) return [];
  return Object.entries(s.shape as Record<string, z.ZodTypeAny>).map(([name, field]) => {
    const js = jsonSchema(field);
    const { description, ...rest } = js;
    return { name, in: where, required: where === 'path' || !isOptional(field), ...(description ? { description } : {}), schema: rest };
  });
}

const ERRORS: Record<string, string> = {
  '400': 'bad input: the message names the field',
  '401': 'no token, or a wrong one (Authorization: Bearer …)',
  '404': 'no such topic, partition, group, connector or plugin',
  '409': 'conflict: the topic exists, the group has members, the connector is not running',
  '413': 'request body too large',
};

/** `users`: the server also takes the broker's SASL users as HTTP Basic credentials (sluice broker with users). */
export function openApiDocument(routes: Route[], streams: StreamRoute[], version: string, users = false): JsonSchema {
  const schemes: Array<Record<string, string[]>> = users ? [{ bearer: [] }, { basic: [] }] : [{ bearer: [] }];
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const error = { content: { 'application/json': { schema: jsonSchema(errorBody) } } };
  for (const r of routes) {
    const status = String(r.status ?? 200);
    const ok: JsonSchema = { description: r.summary };
    if (r.response && status !== '204' && status !== '202') ok.content = { 'application/json': { schema: jsonSchema(r.response) } };
    const op: JsonSchema = {
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${r.path.replace(/\{(\w+)\}/g, 'By-$1').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses: { [status]: ok, ...Object.fromEntries(Object.entries(ERRORS).map(([code, description]) => [code, { description, ...error }])) },
    };
    if (r.method !== 'GET') op.security = schemes;
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  for (const s of streams) {
    paths[s.path] = {
      get: {
        tags: [s.tag],
        summary: s.summary,
        operationId: `stream${s.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        responses: { '200': { description: 'text/event-stream; each event\'s data is JSON of this schema', content: { 'text/event-stream': { schema: jsonSchema(s.event) } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sluice management API',
      version,
      description:
        'Topics, messages, consumer groups, connectors (Kafka Connect\'s REST shape), pipelines and dead letters. On a loopback address reads need no token; every write needs `Authorization: Bearer <token>`, and so does every request when the server listens on another address.' +
        (users ? " The broker's SASL users may use `Authorization: Basic` (user:password) in place of the token." : ''),
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, ...(users ? { basic: { type: 'http', scheme: 'basic', description: "a SASL user of the broker (its users file)" } } : {}) } },
    security: [{}, ...schemes],
    paths,
  };
}
