/**
 * What AlterConfigs and IncrementalAlterConfigs share: resolve the resource, compute the topic's
 * new own configs, validate them with the topic-config schema and apply them (or only check, for
 * validate_only). Errors come back as Kafka error codes with a message.
 */
import { InvalidConfigError } from '../errors.js';
import { KafkaErrorCode } from '../kafka-errors.js';
import { configValueText, parseTopicConfig } from '../log/topic-config.js';
import type { BrokerContext } from './api.js';
import { RESOURCE_BROKER, RESOURCE_TOPIC } from './configs.js';

/** A refusal with the Kafka error code to answer. */
export class AlterError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `next(current, effective)` returns the topic's new own configs from its current own configs
 * (as given when set) and its effective ones (as Kafka would write them).
 */
export async function alterTopicConfigs(
  ctx: BrokerContext,
  type: number,
  name: string,
  validateOnly: boolean,
  next: (current: Record<string, string>, effective: Record<string, string>) => Record<string, string>,
): Promise<{ errorCode: number; errorMessage: string | null }> {
  const { engine } = ctx;
  if (type === RESOURCE_BROKER) return { errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: "a Sluice broker's configs are set when it starts (sluice broker options) and cannot be altered" };
  if (type !== RESOURCE_TOPIC) return { errorCode: KafkaErrorCode.INVALID_REQUEST, errorMessage: `resource type ${type} has no configs here: only topics (2) can be altered` };
  if (!engine.hasTopic(name)) return { errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `topic "${name}" does not exist` };
  try {
    const d = engine.describeTopic(name);
    const effective: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.config)) effective[k] = configValueText(k, v);
    const current: Record<string, string> = {};
    for (const k of d.overrides ?? []) current[k] = effective[k]!;
    const wanted = next(current, effective);
    parseTopicConfig(wanted);
    if (!validateOnly) await engine.alterTopicConfig(name, wanted);
    return { errorCode: 0, errorMessage: null };
  } catch (err) {
    if (err instanceof AlterError) return { errorCode: err.code, errorMessage: err.message };
    if (err instanceof InvalidConfigError) return { errorCode: KafkaErrorCode.INVALID_CONFIG, errorMessage: err.message };
    throw err;
  }
}
