/**
 * The plan of a consumer-group offset reset (kafka-consumer-groups.sh --reset-offsets): for each
 * partition, the committed offset now and the one it moves to, kept within the log start and end.
 * The CLI's `groups reset-offsets` and the management API's reset share it, so both follow one rule.
 */
import { InvalidConfigError } from '../errors.js';
import type { GroupDescription, LogAdmin } from './types.js';

export type ResetTarget = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: number } | { kind: 'datetime'; at: number } | { kind: 'shift'; by: number };

export interface PlanRow {
  topic: string;
  partition: number;
  /** null: nothing committed there. */
  current: number | null;
  next: number;
}

/** Which partitions: those the group has committed offsets for ('all'), or topics with optional partition lists. */
export type ResetScope = 'all' | Array<{ topic: string; partitions?: number[] }>;

export async function planReset(admin: LogAdmin, group: GroupDescription, scope: ResetScope, target: ResetTarget): Promise<PlanRow[]> {
  const committed = new Map(group.offsets.map((o) => [`${o.topic}\u0000${o.partition}`, o.committed]));
  const partitions: Array<{ topic: string; partition: number }> = [];
  if (scope === 'all') {
    if (group.offsets.length === 0) throw new InvalidConfigError(`group "${group.groupId}" has no committed offsets; name the topics with --topic`);
    for (const o of group.offsets) partitions.push({ topic: o.topic, partition: o.partition });
  } else {
    for (const spec of scope) {
      const count = (await admin.describeTopic(spec.topic)).partitions.length;
      const ps = spec.partitions ?? Array.from({ length: count }, (_, i) => i);
      for (const p of ps) {
        if (p >= count) throw new InvalidConfigError(`topic "${spec.topic}" has ${count} partition(s); there is no partition ${p}`);
        partitions.push({ topic: spec.topic, partition: p });
      }
    }
  }
  return planPartitions(admin, partitions, committed, target);
}

async function planPartitions(admin: LogAdmin, partitions: Array<{ topic: string; partition: number }>, committed: Map<string, number>, target: ResetTarget): Promise<PlanRow[]> {
  const bounds = new Map<string, { lo: number; hi: number; at?: number }>();
  for (const topic of new Set(partitions.map((p) => p.topic))) {
    const [lo, hi, at] = await Promise.all([
      admin.listOffsets(topic, 'earliest'),
      admin.listOffsets(topic, 'latest'),
      target.kind === 'datetime' ? admin.listOffsets(topic, { timestamp: target.at }) : Promise.resolve([]),
    ]);
    for (const o of lo) bounds.set(`${topic}\u0000${o.partition}`, { lo: o.offset, hi: hi.find((h) => h.partition === o.partition)?.offset ?? o.offset, at: at.find((a) => a.partition === o.partition)?.offset });
  }
  return partitions.map(({ topic, partition }) => {
    const key = `${topic}\u0000${partition}`;
    const b = bounds.get(key) ?? { lo: 0, hi: 0 };
    const current = committed.get(key) ?? null;
    const clamp = (n: number) => Math.min(Math.max(n, b.lo), b.hi);
    let next: number;
    switch (target.kind) {
      case 'earliest':
        next = b.lo;
        break;
      case 'latest':
        next = b.hi;
        break;
      case 'offset':
        next = clamp(target.offset);
        break;
      case 'datetime':
        next = b.at === undefined || b.at < 0 ? b.hi : b.at;
        break;
      case 'shift':
        if (current === null) throw new InvalidConfigError(`cannot shift ${topic}/${partition}: the group has no committed offset there (use --to-earliest, --to-latest or --to-offset)`);
        next = clamp(current + target.by);
        break;
    }
    return { topic, partition, current, next };
  });
}
