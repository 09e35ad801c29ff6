/**
 * SaslHandshake (key 17): v0–1 (never flexible)
 *
 * Request v0–v1: mechanism string
 * Response v0–v1: error_code i16, mechanisms [string]
 *
 * Behavior:
 * - PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are offered when the broker has users (each user has
 *   credentials for both SCRAM mechanisms when given a password); another mechanism gets
 *   UNSUPPORTED_SASL_MECHANISM (33) with the list.
 * - v1: the token then travels inside a SaslAuthenticate request. v0: the next frame on the
 *   connection are raw tokens (size-prefixed, no Kafka header), each answered with a size-prefixed
 *   frame (empty for PLAIN; SCRAM's server-first, then server-final); a wrong token closes the
 *   connection, as Kafka does.
 * - v0 must be advertised: librdkafka only attempts SASL with brokers that support it.
 */
import { KafkaErrorCode } from '../../kafka-errors.js';
import { registerApi } from '../api.js';
import { api } from '../schema.js';

export const saslHandshakeSchema = api({ key: 17, name: 'SaslHandshake', valid: '0-1', flexible: null }, { mechanism: 'string' }, { errorCode: 'int16', mechanisms: '[]string' });

registerApi({
  schema: saslHandshakeSchema,
  beforeAuth: true,
  async handle(req, version, ctx, conn) {
    const offered = ctx.settings.saslMechanisms;
    const mechanism = req.mechanism.toUpperCase();
    const ok = offered.includes(mechanism);
    if (ok) {
      conn.saslMechanism = mechanism;
      conn.saslRawToken = version === 0;
      conn.scram = null;
    }
    return { errorCode: ok ? 0 : KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: offered };
  },
});
