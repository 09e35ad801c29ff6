/**
 * SASL/PLAIN (RFC 4616) credential check, shared by SaslAuthenticate and SaslHandshake v0's raw
 * token. Failures are logged through the broker's rate limiter (one line per interval, with a
 * count), and the caller closes the connection after connection.failed.authentication.delay.ms.
 */
import { timingSafeEqual } from 'node:crypto';
import type { BrokerContext, ConnectionState } from './api.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a PLAIN token (authzid NUL authcid NUL password); returns the user when it is good, else
 * why not. An authorization identity other than the user is refused (there is no impersonation),
 * and a connection already authenticated may re-authenticate only as the same user.
 */
export function checkPlainToken(ctx: BrokerContext, conn: ConnectionState, token: Buffer): string | { failure: string } {
  const users = ctx.settings.users;
  if (!users) return { failure: 'SASL is not enabled on this broker' };
  const parts = token.toString('utf8').split('\0');
  if (parts.length !== 3) return fail(ctx, conn, 'malformed PLAIN token', null);
  const [authzid, user, password] = parts as [string, string, string];
  const expected = Object.prototype.hasOwnProperty.call(users, user) ? users[user]! : null;
  if (expected === null || !sameSecret(expected, password)) return fail(ctx, conn, 'Authentication failed: invalid username or password', user);
  if (authzid !== '' && authzid !== user) return fail(ctx, conn, `Authentication failed: authorization identity "${authzid}" differs from the user "${user}"`, user);
  if (conn.principal !== null && conn.principal !== user) return fail(ctx, conn, `Authentication failed: a connection authenticated as "${conn.principal}" cannot re-authenticate as "${user}"`, user);
  return user;
}

function fail(ctx: BrokerContext, conn: ConnectionState, failure: string, user: string | null): { failure: string } {
  ctx.authFailures.warn('broker: SASL/PLAIN authentication failed', { user, client: conn.clientId, host: conn.clientHost, reason: failure });
  return { failure };
}
