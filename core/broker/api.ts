/**
 * The registry of Kafka API handlers (kfake's `regKey`): each file under ./apis declares its
 * request and response (./schema.ts, every version Kafka 3.9 serves) and registers a handler for
 * them. ApiVersions is derived from this table, and the connection decodes each request with the
 * schema of its key, so what the broker advertises cannot drift from what it decodes.
 */
import type { GroupCoordinator } from '../groups/types.js';
import type { LogEngine, Logger } from '../log/types.js';
import type { LogLimiter } from '../worker/log-limiter.js';
import type { FetchSessions } from './fetch-sessions.js';
import type { ProducerIds } from './producer-ids.js';
import type { ScramServer, UserCredentials } from './scram.js';
import type { ApiSchema } from './schema.js';

export interface BrokerSettings {
  nodeId: number;
  /** Host and port written into Metadata and FindCoordinator: what clients reconnect to. */
  advertisedHost: string;
  advertisedPort: number;
  /** Create a topic named in a Metadata request when it is missing (and the request allows it). */
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** SASL users with their salted, hashed credentials (./scram.ts); when set, every connection must authenticate first. */
  users: ReadonlyMap<string, UserCredentials> | null;
  /** What SaslHandshake offers: PLAIN and the SCRAM mechanisms the users have credentials for. */
  saslMechanisms: string[];
  /** The listener's security protocol, as Kafka names it (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL). */
  securityProtocol: string;
  clusterId: string;
  /** The log's data directory (null: in memory), described as log.dirs. */
  dataDir: string | null;
  /** Largest request accepted (socket.request.max.bytes). */
  maxRequestBytes: number;
  /** Kafka's fetch.max.bytes: the most record bytes one Fetch response carries, whatever the client asks (at least one batch). */
  fetchMaxBytes: number;
}

export interface BrokerContext {
  engine: LogEngine;
  coordinator: GroupCoordinator;
  settings: BrokerSettings;
  logger: Logger;
  /** Incremental fetch sessions (KIP-227) of this broker. */
  fetchSessions: FetchSessions;
  /** Producer ids for idempotent producers (InitProducerId). */
  producerIds: ProducerIds;
  /** Failed logins, rate-limited (an attacker's guesses must not flood the log). */
  authFailures: LogLimiter;
}

/** Per-connection state the handlers may read or change. */
export interface ConnectionState {
  readonly id: number;
  readonly clientHost: string;
  clientId: string;
  authenticated: boolean;
  /** Set by SaslHandshake: the mechanism SaslAuthenticate must use. */
  saslMechanism: string | null;
  /** After SaslHandshake v0: the next frames are raw SASL tokens, not Kafka requests. */
  saslRawToken: boolean;
  /** A SCRAM exchange under way (between its first and final message). */
  scram: ScramServer | null;
  /** The user authenticated on this connection (re-authentication must be the same user). */
  principal: string | null;
  /**
   * A failed authentication: waits connection.failed.authentication.delay.ms (slowing down
   * guessing), then the connection reads nothing more and closes once the answer is sent.
   */
  authenticationFailed(reason: string): Promise<void>;
  /** Aborted when the connection closes: parked fetches and joins stop waiting. */
  readonly signal: AbortSignal;
}

export interface ApiHandler<Req = any, Res = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  schema: ApiSchema<Req, Res>;
  /** Allowed before SASL authentication completes (ApiVersions, SaslHandshake, SaslAuthenticate). */
  beforeAuth?: boolean;
  /**
   * Answers a decoded request, or returns null when no response is due (Produce with acks=0).
   * Throwing FrameError closes the connection.
   */
  handle(req: Req, version: number, ctx: BrokerContext, conn: ConnectionState): Promise<Res | null>;
}

const handlers = new Map<number, ApiHandler>();

export function registerApi<Req, Res>(handler: ApiHandler<Req, Res>): ApiHandler<Req, Res> {
  const key = handler.schema.key;
  if (handlers.has(key)) throw new Error(`API key ${key} registered twice`);
  handlers.set(key, handler as ApiHandler);
  return handler;
}

export function apiHandler(key: number): ApiHandler | undefined {
  return handlers.get(key);
}

export function registeredApis(): ApiHandler[] {
  return [...handlers.values()].sort((a, b) => a.schema.key - b.schema.key);
}
