/**
 * kafkajs's errors as Sluice's: a user sees one line saying what is wrong and what to do, not a
 * kafkajs class name and a stack. Connection failures name the brokers; protocol errors about a
 * topic (unknown, illegal name, bad config) become the errors the embedded log raises for the same
 * mistake; anything else keeps kafkajs's message and retriable flag.
 */
import { InvalidConfigError, InvalidTopicError, SluiceError, UnknownTopicError } from '../../errors.js';

/** No broker of the cluster could be reached (after kafkajs's bounded retries). */
export class BrokerUnreachableError extends SluiceError {
  constructor(brokers: string[], detail: string, options: { cause?: unknown } = {}) {
    super(
      'BROKER_UNREACHABLE',
      `cannot reach the Kafka cluster at ${brokers.join(',')} (${detail}); check the broker addresses (--brokers, or brokers: in the file) and that the cluster is running`,
      { retriable: true, cause: options.cause },
    );
  }
}

/** The cluster refused the credentials. */
export class KafkaAuthenticationError extends SluiceError {
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super('KAFKA_AUTHENTICATION', `the Kafka cluster refused the credentials: ${detail}`, options);
  }
}

/** Any other error kafkajs reported, with its message (and whether retrying may help). */
export class KafkaClientError extends SluiceError {
  constructor(what: string, detail: string, retriable: boolean, options: { cause?: unknown } = {}) {
    super('KAFKA_CLIENT', `${what}: ${detail}`, { retriable, cause: options.cause });
  }
}

interface KafkaJsError extends Error {
  type?: string;
  code?: string;
  retriable?: boolean;
  topic?: string;
  errors?: KafkaJsError[];
  cause?: unknown;
}

const CONNECTION = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|Connection timeout|Closed connection|Connection error/i;

/** The innermost kafkajs error: KafkaJSNumberOfRetriesExceeded wraps the last attempt's. */
function innermost(err: KafkaJsError): KafkaJsError {
  let e = err;
  for (let i = 0; i < 5 && e.name === 'KafkaJSNumberOfRetriesExceeded' && e.cause instanceof Error; i++) e = e.cause as KafkaJsError;
  return e;
}

/** A topic-level protocol error (one of an aggregate's, or the error itself) as Sluice's error for it. */
function topicError(e: KafkaJsError, topic: string | undefined): SluiceError | null {
  const name = e.topic ?? topic ?? '?';
  switch (e.type) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return new UnknownTopicError(name);
    case 'INVALID_TOPIC_EXCEPTION':
      return new InvalidTopicError(`topic name "${name}" is illegal: only ASCII letters, digits, ".", "_" and "-" are allowed (1 to 249 characters, not "." or "..")`);
    case 'INVALID_CONFIG':
    case 'INVALID_PARTITIONS':
    case 'INVALID_REPLICATION_FACTOR':
    case 'POLICY_VIOLATION':
      return new InvalidConfigError(`topic "${name}": the cluster refused its settings (${e.message})`);
    case 'TOPIC_AUTHORIZATION_FAILED':
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return new KafkaClientError(`topic "${name}"`, `not authorized (${e.message})`, false);
    default:
      return null;
  }
}

/**
 * Sluice's error for what kafkajs threw while doing `what` (e.g. 'creating topic "x"'), about
 * `topic` when there is one. A Sluice error passes through unchanged.
 */
export function translateKafkaError(err: unknown, ctx: { brokers: string[]; what: string; topic?: string }): unknown {
  if (!(err instanceof Error) || err instanceof SluiceError) return err;
  const e = innermost(err as KafkaJsError);
  if (e.name === 'KafkaJSAggregateError' && e.errors?.length) {
    for (const inner of e.errors) {
      const t = topicError(inner, ctx.topic);
      if (t) return t;
    }
    return new KafkaClientError(ctx.what, e.errors.map((x) => `${x.topic ? `${x.topic}: ` : ''}${x.message}`).join('; '), false, { cause: err });
  }
  const t = topicError(e, ctx.topic);
  if (t) return t;
  if (e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED') return new KafkaAuthenticationError(e.message, { cause: err });
  if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSConnectionClosedError' || e.name === 'KafkaJSBrokerNotFound' || e.name === 'KafkaJSRequestTimeoutError' || CONNECTION.test(e.message)) {
    return new BrokerUnreachableError(ctx.brokers, e.message, { cause: err });
  }
  if (e.name.startsWith('KafkaJS')) return new KafkaClientError(ctx.what, e.message, e.retriable ?? false, { cause: err });
  return err;
}

/** Runs a kafkajs call, translating what it throws. */
export async function kafkaCall<T>(ctx: { brokers: string[]; what: string; topic?: string }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateKafkaError(err, ctx);
  }
}
