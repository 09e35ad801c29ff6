/**
 * The registry of Kafka API handlers (kfake's `regKey`): each file under ./apis registers its key
 * and the version range it implements, and ApiVersions is derived from this table, so what the
 * broker advertises cannot drift from what it handles.
 */
import type { GroupCoordinator } from '../groups/types.js';
import type { LogEngine, Logger } from '../log/types.js';
import type { LogLimiter } from '../worker/log-limiter.js';
import type { Reader, Writer } from './wire.js';

export interface BrokerSettings {
  nodeId: number;
  /** Host and port written into Metadata and FindCoordinator: what clients reconnect to. */
  advertisedHost: string;
  advertisedPort: number;
  /** Create a topic named in a Metadata request when it is missing (and the request allows it). */
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** SASL/PLAIN users; when set, every connection must authenticate first. */
  users: Record<string, string> | null;
  clusterId: string;
  /** Kafka's fetch.max.bytes: the most record bytes one Fetch response carries, whatever the client asks (at least one batch). */
  fetchMaxBytes: number;
}

export interface BrokerContext {
  engine: LogEngine;
  coordinator: GroupCoordinator;
  settings: BrokerSettings;
  logger: Logger;
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
  /** After SaslHandshake v0: the next frame is a raw SASL token, not a Kafka request. */
  saslRawToken: boolean;
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

export interface ApiHandler {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** Allowed before SASL authentication completes (ApiVersions, SaslHandshake, SaslAuthenticate). */
  beforeAuth?: boolean;
  /**
   * Reads the request body and returns the response body, or null when no response is due
   * (Produce with acks=0). Throwing FrameError closes the connection.
   */
  handle(req: Reader, version: number, ctx: BrokerContext, conn: ConnectionState): Promise<Writer | null>;
}

const handlers = new Map<number, ApiHandler>();

export function registerApi(handler: ApiHandler): ApiHandler {
  if (handlers.has(handler.key)) throw new Error(`API key ${handler.key} registered twice`);
  handlers.set(handler.key, handler);
  return handler;
}

export function apiHandler(key: number): ApiHandler | undefined {
  return handlers.get(key);
}

export function registeredApis(): ApiHandler[] {
  return [...handlers.values()].sort((a, b) => a.key - b.key);
}

/** Kafka puts throttle_time_ms first in most responses from a given version on; 0 = never throttled. */
export function throttleIf(w: Writer, cond: boolean): Writer {
  if (cond) w.int32(0);
  return w;
}
