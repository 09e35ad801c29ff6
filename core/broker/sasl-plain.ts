/**
 * SASL/PLAIN (RFC 4616) credential check (against the users' salted, hashed credentials: ./scram.ts), shared by SaslAuthenticate and SaslHandshake v0's raw
 * token. Failures are logged through the broker's rate limiter (one line per interval, with a
 * count), and the caller closes the connection after connection.failed.authentication.delay.ms.
 */
import type { BrokerContext, ConnectionState } from './api.js';
import { checkUserPassword, scramCredential, type UserCredentials } from './scram.js';

/** Checked for unknown users too, so that a wrong user name takes as long as a wrong password. */
const NOBODY: UserCredentials = { 'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', 'sluice-nobody') };

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
  const creds = users.get(user);
  const good = checkUserPassword(creds ?? NOBODY, password);
  if (!creds || !good) return fail(ctx, conn, 'Authentication failed: invalid username or password', user);
  if (authzid !== '' && authzid !== user) return fail(ctx, conn, `Authentication failed: authorization identity "${authzid}" differs from the user "${user}"`, user);
  if (conn.principal !== null && conn.principal !== user) return fail(ctx, conn, `Authentication failed: a connection authenticated as "${conn.principal}" cannot re-authenticate as "${user}"`, user);
  return user;
}

function fail(ctx: BrokerContext, conn: ConnectionState, failure: string, user: string | null): { failure: string } {
  ctx.authFailures.warn('broker: SASL/PLAIN authentication failed', { user, client: conn.clientId, host: conn.clientHost, reason: failure });
  return { failure };
}
