/**
 * Configs as DescribeConfigs, AlterConfigs and IncrementalAlterConfigs see them: every Kafka topic
 * config with its value, source, type, synonyms and documentation, and the broker's own configs.
 *
 * A topic config's synonyms are, as in Kafka, the topic's own value (DYNAMIC_TOPIC_CONFIG) when it
 * has one, then the broker config it defaults from (DEFAULT_CONFIG, e.g. log.retention.ms for
 * retention.ms), which the broker resource lists too. Configs Sluice stores without acting on
 * say so in their documentation (core/log/topic-config.ts ACTED_ON).
 */
import { ACTED_ON, configValueText, parseTopicConfig, topicConfigSchema, type TopicConfig } from '../log/topic-config.js';
import type { LogEngine } from '../log/types.js';
import type { BrokerSettings } from './api.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** DescribeConfigs config_source. */
export const SOURCE = { TOPIC: 1, STATIC_BROKER: 4, DEFAULT: 5 } as const;

/** DescribeConfigs config_type (v3+). */
const TYPE = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: Array<{ name: string; value: string | null; source: number }>;
  configType: number;
  documentation: string | null;
}

/** Kafka's type of each topic config and the broker config it takes its default from (ServerTopicConfigSynonyms). */
const TOPIC_CONFIG_META: Record<keyof TopicConfig, { type: number; broker: string | null }> = {
  'cleanup.policy': { type: TYPE.LIST, broker: 'log.cleanup.policy' },
  'retention.ms': { type: TYPE.LONG, broker: 'log.retention.ms' },
  'retention.bytes': { type: TYPE.LONG, broker: 'log.retention.bytes' },
  'segment.bytes': { type: TYPE.INT, broker: 'log.segment.bytes' },
  'segment.ms': { type: TYPE.LONG, broker: 'log.roll.ms' },
  'delete.retention.ms': { type: TYPE.LONG, broker: 'log.cleaner.delete.retention.ms' },
  'compression.type': { type: TYPE.STRING, broker: 'compression.type' },
  'compression.gzip.level': { type: TYPE.INT, broker: 'compression.gzip.level' },
  'compression.lz4.level': { type: TYPE.INT, broker: 'compression.lz4.level' },
  'compression.zstd.level': { type: TYPE.INT, broker: 'compression.zstd.level' },
  'max.message.bytes': { type: TYPE.INT, broker: 'message.max.bytes' },
  'min.insync.replicas': { type: TYPE.INT, broker: 'min.insync.replicas' },
  'message.timestamp.type': { type: TYPE.STRING, broker: 'log.message.timestamp.type' },
  'message.timestamp.before.max.ms': { type: TYPE.LONG, broker: 'log.message.timestamp.before.max.ms' },
  'message.timestamp.after.max.ms': { type: TYPE.LONG, broker: 'log.message.timestamp.after.max.ms' },
  'message.timestamp.difference.max.ms': { type: TYPE.LONG, broker: 'log.message.timestamp.difference.max.ms' },
  'message.downconversion.enable': { type: TYPE.BOOLEAN, broker: 'log.message.downconversion.enable' },
  'remote.storage.enable': { type: TYPE.BOOLEAN, broker: null },
  'segment.jitter.ms': { type: TYPE.LONG, broker: 'log.roll.jitter.ms' },
  'segment.index.bytes': { type: TYPE.INT, broker: 'log.index.size.max.bytes' },
  'flush.messages': { type: TYPE.LONG, broker: 'log.flush.interval.messages' },
  'flush.ms': { type: TYPE.LONG, broker: 'log.flush.interval.ms' },
  'index.interval.bytes': { type: TYPE.INT, broker: 'log.index.interval.bytes' },
  'file.delete.delay.ms': { type: TYPE.LONG, broker: 'log.segment.delete.delay.ms' },
  'min.compaction.lag.ms': { type: TYPE.LONG, broker: 'log.cleaner.min.compaction.lag.ms' },
  'max.compaction.lag.ms': { type: TYPE.LONG, broker: 'log.cleaner.max.compaction.lag.ms' },
  'min.cleanable.dirty.ratio': { type: TYPE.DOUBLE, broker: 'log.cleaner.min.cleanable.ratio' },
  'unclean.leader.election.enable': { type: TYPE.BOOLEAN, broker: 'unclean.leader.election.enable' },
  preallocate: { type: TYPE.BOOLEAN, broker: 'log.preallocate' },
  'message.format.version': { type: TYPE.STRING, broker: 'log.message.format.version' },
  'local.retention.ms': { type: TYPE.LONG, broker: 'log.local.retention.ms' },
  'local.retention.bytes': { type: TYPE.LONG, broker: 'log.local.retention.bytes' },
  'remote.log.copy.disable': { type: TYPE.BOOLEAN, broker: null },
  'remote.log.delete.on.disable': { type: TYPE.BOOLEAN, broker: null },
  'leader.replication.throttled.replicas': { type: TYPE.LIST, broker: null },
  'follower.replication.throttled.replicas': { type: TYPE.LIST, broker: null },
};

export const TOPIC_CONFIG_NAMES = Object.keys(topicConfigSchema.shape) as Array<keyof TopicConfig>;

/** The built-in defaults (parsed once: a zod parse of every key is not free). */
const DEFAULTS = parseTopicConfig({}) as Record<string, unknown>;

function documentation(name: string): string {
  const described = (topicConfigSchema.shape as Record<string, { description?: string }>)[name]?.description;
  if (ACTED_ON.has(name)) return described ?? name;
  return 'Accepted, stored and described as in Kafka; Sluice does not act on it.';
}

/** The effective configs of a topic, filtered by `keys` (null: all). */
export function describeTopicConfigs(engine: LogEngine, topic: string, keys: string[] | null, synonyms: boolean): ConfigEntry[] {
  const d = engine.describeTopic(topic);
  const config = d.config as Record<string, unknown>;
  const defaults = DEFAULTS;
  const overridden = new Set(d.overrides ?? TOPIC_CONFIG_NAMES.filter((k) => String(config[k]) !== String(defaults[k])));
  return TOPIC_CONFIG_NAMES.filter((name) => keys === null || keys.includes(name)).map((name) => {
    const meta = TOPIC_CONFIG_META[name];
    const value = configValueText(name, config[name]);
    const own = overridden.has(name);
    const list: ConfigEntry['synonyms'] = [];
    if (synonyms) {
      if (own) list.push({ name, value, source: SOURCE.TOPIC });
      if (meta.broker) list.push({ name: meta.broker, value: configValueText(name, defaults[name]), source: SOURCE.DEFAULT });
    }
    return {
      name,
      value,
      readOnly: false,
      isDefault: !own,
      configSource: own ? SOURCE.TOPIC : SOURCE.DEFAULT,
      isSensitive: false,
      synonyms: list,
      configType: meta.type,
      documentation: documentation(name),
    };
  });
}

/** The broker's configs (node id, listeners, defaults of the topic configs, group limits…), all read-only. */
export function describeBrokerConfigs(settings: BrokerSettings, keys: string[] | null): ConfigEntry[] {
  const defaults = DEFAULTS;
  const listener = `${settings.securityProtocol}://${settings.advertisedHost}:${settings.advertisedPort}`;
  const entries: Array<[string, string | null, number, number, boolean?]> = [
    ['node.id', String(settings.nodeId), TYPE.INT, SOURCE.STATIC_BROKER],
    ['broker.id', String(settings.nodeId), TYPE.INT, SOURCE.STATIC_BROKER],
    ['process.roles', 'broker,controller', TYPE.LIST, SOURCE.DEFAULT],
    ['listeners', listener, TYPE.STRING, SOURCE.STATIC_BROKER],
    ['advertised.listeners', listener, TYPE.STRING, SOURCE.STATIC_BROKER],
    ['log.dirs', settings.dataDir, TYPE.STRING, SOURCE.STATIC_BROKER],
    ['num.partitions', String(settings.defaultPartitions), TYPE.INT, SOURCE.STATIC_BROKER],
    ['default.replication.factor', '1', TYPE.INT, SOURCE.DEFAULT],
    ['auto.create.topics.enable', String(settings.autoCreateTopics), TYPE.BOOLEAN, SOURCE.STATIC_BROKER],
    ['delete.topic.enable', 'true', TYPE.BOOLEAN, SOURCE.DEFAULT],
    ['socket.request.max.bytes', String(settings.maxRequestBytes), TYPE.INT, SOURCE.STATIC_BROKER],
    ['sasl.enabled.mechanisms', settings.saslMechanisms.join(','), TYPE.LIST, SOURCE.STATIC_BROKER],
    ['group.min.session.timeout.ms', '1000', TYPE.INT, SOURCE.DEFAULT],
    ['group.max.session.timeout.ms', '3600000', TYPE.INT, SOURCE.DEFAULT],
    ['group.initial.rebalance.delay.ms', '0', TYPE.INT, SOURCE.DEFAULT],
    ['offsets.topic.num.partitions', '1', TYPE.INT, SOURCE.DEFAULT],
    ['offsets.topic.replication.factor', '1', TYPE.INT, SOURCE.DEFAULT],
    ['transaction.state.log.replication.factor', '1', TYPE.INT, SOURCE.DEFAULT],
    ['max.incremental.fetch.session.cache.slots', '1000', TYPE.INT, SOURCE.DEFAULT],
  ];
  for (const name of TOPIC_CONFIG_NAMES) {
    const broker = TOPIC_CONFIG_META[name].broker;
    if (broker && !entries.some((e) => e[0] === broker)) entries.push([broker, configValueText(name, defaults[name]), TOPIC_CONFIG_META[name].type, SOURCE.DEFAULT]);
  }
  return entries
    .filter(([name]) => keys === null || keys.includes(name))
    .map(([name, value, configType, source]) => ({
      name,
      value,
      readOnly: true,
      isDefault: source === SOURCE.DEFAULT,
      configSource: source,
      isSensitive: false,
      synonyms: [{ name, value, source }],
      configType,
      documentation: null,
    }));
}
