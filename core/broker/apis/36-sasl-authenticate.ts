/**
 * SaslAuthenticate (key 36): v0–2, flexible from v2
 *
 * Request: auth_bytes bytes
 * Response: error_code i16, error_message nullable string, auth_bytes bytes, session_lifetime_ms i64 (v1+)
 *
 * Behavior:
 * - PLAIN (RFC 4616): auth_bytes = authzid NUL authcid NUL password, checked against the users'
 *   salted, hashed credentials. SCRAM-SHA-256/512 (RFC 5802/7677): two requests, client-first
 *   (answered with server-first) and client-final (answered with server-final), as Kafka runs them.
 * - Without a prior SaslHandshake v1: ILLEGAL_SASL_STATE (34). A wrong user or password, an
 *   authorization identity other than the user, or a re-authentication as another user:
 *   SASL_AUTHENTICATION_FAILED (58) with a message, sent after connection.failed.authentication.delay.ms,
 *   and then the connection closes (as Kafka does): guessing costs a connection and the delay per try.
 *   A failed re-authentication ends an authenticated session the same way.
 * - session_lifetime_ms 0: no re-authentication required.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { saslStep } from '../sasl-exchange.js';
import { api } from '../schema.js';

export const saslAuthenticateSchema = api(
  { key: 36, name: 'SaslAuthenticate', valid: '0-2', flexible: '2+' },
  { authBytes: 'bytes' },
  { errorCode: 'int16', errorMessage: 'string null0+', authBytes: 'bytes', sessionLifetimeMs: 'int64 v1+ =0' },
);

registerApi({
  schema: saslAuthenticateSchema,
  beforeAuth: true,
  async handle(req, _version, ctx, conn) {
    const answer = (errorCode: number, errorMessage: string | null, authBytes: Buffer = Buffer.alloc(0)) => ({ errorCode, errorMessage, authBytes, sessionLifetimeMs: 0 });
    if (conn.saslMechanism === null || conn.saslRawToken) return answer(KafkaErrorCode.ILLEGAL_SASL_STATE, 'SaslHandshake v1 must choose a mechanism first');
    const step = saslStep(ctx, conn, req.authBytes);
    if ('failure' in step) {
      await conn.authenticationFailed(step.failure);
      return answer(KafkaErrorCode.SASL_AUTHENTICATION_FAILED, step.failure);
    }
    return answer(0, null, step.reply);
  },
});
