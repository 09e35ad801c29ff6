/**
 * SaslAuthenticate (key 36): v0–1
 *
 * Request v0–v1: auth_bytes bytes
 * Response v0: error_code i16, error_message nullable string, auth_bytes bytes
 *          v1: ... , session_lifetime_ms i64
 *
 * Behavior:
 * - PLAIN (RFC 4616): auth_bytes = authzid NUL authcid NUL password, checked against the configured
 *   users with a constant-time comparison.
 * - Without a prior SaslHandshake v1: ILLEGAL_SASL_STATE (34). A wrong user or password, an
 *   authorization identity other than the user, or a re-authentication as another user:
 *   SASL_AUTHENTICATION_FAILED (58) with a message, sent after connection.failed.authentication.delay.ms,
 *   and then the connection closes (as Kafka does): guessing costs a connection and the delay per try.
 *   A failed re-authentication ends an authenticated session the same way.
 * - session_lifetime_ms 0: no re-authentication required.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { checkPlainToken } from '../sasl-plain.js';
import { Writer } from '../wire.js';

registerApi({
  key: 36,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 1,
  beforeAuth: true,
  async handle(req, version, ctx, conn) {
    const token = req.bytes();
    const answer = (code: number, message: string | null) => {
      const w = new Writer().int16(code).nullableString(message).bytes(Buffer.alloc(0));
      if (version >= 1) w.int64(0);
      return w;
    };
    if (conn.saslMechanism !== 'PLAIN' || conn.saslRawToken) return answer(KafkaErrorCode.ILLEGAL_SASL_STATE, 'SaslHandshake v1 with mechanism PLAIN must come first');
    const user = checkPlainToken(ctx, conn, token);
    if (typeof user !== 'string') {
      await conn.authenticationFailed(user.failure);
      return answer(KafkaErrorCode.SASL_AUTHENTICATION_FAILED, user.failure);
    }
    conn.authenticated = true;
    conn.principal = user;
    return answer(0, null);
  },
});
