/** SASL/PLAIN (RFC 4616) credential check, shared by SaslAuthenticate and SaslHandshake v0's raw token. */
import { timingSafeEqual } from 'node:crypto';
import type { BrokerContext, ConnectionState } from './api.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks a PLAIN token (authzid NUL authcid NUL password); returns null when it is good, else why not. */
export function checkPlainToken(ctx: BrokerContext, conn: ConnectionState, token: Buffer): string | null {
  const users = ctx.settings.users;
  if (!users) return 'SASL is not enabled on this broker';
  const parts = token.toString('utf8').split('\0');
  if (parts.length !== 3) return 'malformed PLAIN token';
  const [, user, password] = parts as [string, string, string];
  const expected = Object.prototype.hasOwnProperty.call(users, user) ? users[user]! : null;
  if (expected === null || !sameSecret(expected, password)) {
    ctx.logger.warn('broker: SASL/PLAIN authentication failed', { user, client: conn.clientId });
    return 'Authentication failed: invalid username or password';
  }
  return null;
}
