/**
 * Topic names and configs: Kafka's rules and key names, so the CLI, the broker's CreateTopics /
 * DescribeConfigs and the docs all speak the same language. Values arrive as strings from the CLI
 * and the wire, so the schema coerces them; anything it refuses becomes an InvalidConfigError
 * that names the key.
 */
import { z } from 'zod';
import { InvalidConfigError, InvalidTopicError } from '../errors.js';
import type { TopicConfig } from './types.js';

const MAX_NAME = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Kafka's topic-name rule; names become directory names, so nothing else is accepted. */
export function validateTopicName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidTopicError('topic name must be a non-empty string');
  if (name.length > MAX_NAME) throw new InvalidTopicError(`topic name "${name.slice(0, 40)}…" is ${name.length} characters long; the limit is ${MAX_NAME}`);
  if (name === '.' || name === '..') throw new InvalidTopicError(`topic name "${name}" is not allowed`);
  if (!LEGAL.test(name)) throw new InvalidTopicError(`topic name "${name}" is illegal: only ASCII letters, digits, ".", "_" and "-" are allowed`);
  return name;
}

export const MAX_PARTITIONS = 10_000;

export function validatePartitionCount(n: unknown): number {
  const v = typeof n === 'string' && /^\d+$/.test(n) ? Number(n) : n;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PARTITIONS) {
    throw new InvalidConfigError(`partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${JSON.stringify(n)}`);
  }
  return v;
}

const int = (min: number) => z.coerce.number().int().min(min);

export const topicConfigSchema = z
  .object({
    'cleanup.policy': z.enum(['delete', 'compact', 'compact,delete']).default('delete').describe('delete old segments, compact to the latest value per key, or both'),
    'retention.ms': int(-1).default(604_800_000).describe('delete closed segments whose newest record is older than this; -1 keeps forever'),
    'retention.bytes': int(-1).default(-1).describe('per partition: delete the oldest closed segments beyond this size; -1 = no limit'),
    // Kafka's default is 1 GiB; a smaller segment lets retention and compaction act sooner on a
    // single machine, at the cost of more files.
    'segment.bytes': int(1024).default(256 * 1024 * 1024).describe('roll a new segment at this size'),
    'segment.ms': int(1).default(604_800_000).describe('roll a new segment after this much time'),
    'delete.retention.ms': int(0).default(86_400_000).describe('compacted topics: how long a tombstone is kept'),
    'compression.type': z.enum(['producer', 'none', 'gzip']).default('producer').describe('compression of appended batches; producer keeps what the producer sent'),
    'max.message.bytes': int(1).default(1_048_588).describe('largest record batch accepted'),
  })
  .strict();

/** Parses a partial config (strings or numbers), filling defaults; refuses unknown keys and bad values naming the key. */
export function parseTopicConfig(input: object = {}, defaults: Partial<TopicConfig> = {}): TopicConfig {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(input)) if (v !== undefined) merged[k] = v;
  const res = topicConfigSchema.safeParse(merged);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      throw new InvalidConfigError(`unknown topic config ${issue.keys.map((k) => `"${k}"`).join(', ')}; known: ${Object.keys(topicConfigSchema.shape).join(', ')}`);
    }
    const key = String(issue.path[0]);
    throw new InvalidConfigError(`invalid value ${JSON.stringify(merged[key])} for topic config "${key}": ${issue.message}`);
  }
  return res.data as TopicConfig;
}

/** Parses `key=value` strings (CLI --config). */
export function parseConfigPairs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new InvalidConfigError(`config "${p}" must look like key=value`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}
