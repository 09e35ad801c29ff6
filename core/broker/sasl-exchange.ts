/**
 * One SASL token of a connection, for SaslAuthenticate and for SaslHandshake v0's raw tokens:
 * PLAIN (./sasl-plain.ts) answers in one step, SCRAM-SHA-256/512 (./scram.ts) in two (server-first,
 * then server-final). Returns the bytes to send back and whether the client is now authenticated,
 * or why it failed (the caller then delays and closes the connection).
 */
import type { BrokerContext, ConnectionState } from './api.js';
import { checkPlainToken } from './sasl-plain.js';
import { ScramError, ScramServer, type ScramMechanism } from './scram.js';

export type SaslStep = { reply: Buffer; done: boolean } | { failure: string };

export function saslStep(ctx: BrokerContext, conn: ConnectionState, token: Buffer): SaslStep {
  const mechanism = conn.saslMechanism;
  if (mechanism === 'PLAIN') {
    const user = checkPlainToken(ctx, conn, token);
    if (typeof user !== 'string') return user;
    conn.authenticated = true;
    conn.principal = user;
    return { reply: Buffer.alloc(0), done: true };
  }
  if (mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512') {
    const users = ctx.settings.users;
    conn.scram ??= new ScramServer(mechanism as ScramMechanism, (u) => users?.get(u)?.[mechanism as ScramMechanism] ?? null);
    try {
      const reply = conn.scram.respond(token);
      if (!conn.scram.done) return { reply, done: false };
      const user = conn.scram.user!;
      conn.scram = null;
      if (conn.principal !== null && conn.principal !== user) {
        return fail(ctx, conn, mechanism, `Authentication failed: a connection authenticated as "${conn.principal}" cannot re-authenticate as "${user}"`, user);
      }
      conn.authenticated = true;
      conn.principal = user;
      return { reply, done: true };
    } catch (err) {
      if (!(err instanceof ScramError)) throw err;
      conn.scram = null;
      return fail(ctx, conn, mechanism, err.message, null);
    }
  }
  return { failure: 'SaslHandshake must choose a mechanism first' };
}

function fail(ctx: BrokerContext, conn: ConnectionState, mechanism: string, failure: string, user: string | null): { failure: string } {
  ctx.authFailures.warn(`broker: SASL/${mechanism} authentication failed`, { user, client: conn.clientId, host: conn.clientHost, reason: failure });
  return { failure };
}
