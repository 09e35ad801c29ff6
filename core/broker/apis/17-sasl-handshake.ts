/**
 * SaslHandshake (key 17): v0–1 (never flexible)
 *
 * Request v0–v1: mechanism string
 * Response v0–v1: error_code i16, mechanisms [string]
 *
 * Behavior:
 * - Only PLAIN is offered, and only when the broker has users configured; another mechanism gets
 *   UNSUPPORTED_SASL_MECHANISM (33) with the list.
 * - v1: the token then travels inside a SaslAuthenticate request. v0: the next frame on the
 *   connection is the raw token (size-prefixed, no Kafka header), answered with an empty
 *   size-prefixed frame on success; a wrong token closes the connection, as Kafka does.
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
    const offered = ctx.settings.users ? ['PLAIN'] : [];
    const ok = offered.includes(req.mechanism.toUpperCase());
    if (ok) {
      conn.saslMechanism = 'PLAIN';
      conn.saslRawToken = version === 0;
    }
    return { errorCode: ok ? 0 : KafkaErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: offered };
  },
});
