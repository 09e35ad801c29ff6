/**
 * The dead-letter topic `<app>.dlq`: a record that failed after its last retry is written there
 * with its key, value and headers, plus headers saying why and where it came from.
 */
import type { LogProducer, ProducerRecord } from '../client/types.js';
import type { AppendRecord } from '../log/types.js';

export const dlqTopic = (appId: string) => `${appId}.dlq`;

/** `source`: a record read from the log, or one a source could not write (offset -1). */
export function deadLetterRecord(source: AppendRecord & { topic: string; partition: number; offset: number }, error: unknown, attempts: number): ProducerRecord {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    key: source.key ?? null,
    value: source.value,
    timestamp: source.timestamp,
    headers: {
      ...source.headers,
      'sluice.error': err.message,
      'sluice.error.class': err.name,
      'sluice.error.stack': err.stack ?? '',
      'sluice.source.topic': source.topic,
      'sluice.source.partition': String(source.partition),
      'sluice.source.offset': String(source.offset),
      'sluice.attempts': String(attempts),
    },
  };
}

export async function sendToDeadLetter(producer: LogProducer, appId: string, records: ProducerRecord[]): Promise<void> {
  if (records.length) await producer.send(dlqTopic(appId), records);
}
