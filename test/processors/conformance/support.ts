/**
 * Shared pieces of the conformance suite: each case feeds records through the public DSL and
 * TestDriver and compares the outputs with what Kafka Streams' rule (stated in the case) gives,
 * worked out by hand in the case itself, never from Sluice's own output.
 */
import { TestDriver, type OutputRecord } from '../../../processors/index.js';

export interface Ev {
  user: string;
  ts: number;
  /** A label that the cases use to tell records apart. */
  id?: string;
}

/** A record of user `user` at event time `ts`, keyed by the user. */
export const ev = (user: string, ts: number, id?: string) => ({ key: user, value: { user, ts, id }, timestamp: ts });

/** A windowed result as `key@[start,end]=value@timestamp` (the window's end as the record gives it). */
export function windowRow(r: OutputRecord): string {
  const k = r.key as { key: string; window: { start: number; end: number } };
  return `${k.key}@${k.window.start},${k.window.end}=${JSON.stringify(r.value)}@${r.timestamp}`;
}

/** Feeds records one per batch (as one-record polls would bring them). */
export async function feedEach(d: TestDriver, topic: string, records: Array<{ key: unknown; value: unknown; timestamp: number }>): Promise<void> {
  for (const r of records) await d.pipeInput(topic, [r]);
}

export const late = (d: TestDriver) => d.metrics.total('sluice_late_records_total');
