/**
 * The dead-letter topic `<app>.dlq`: a record that failed after its last retry is written there
 * with its key, value and headers, plus headers saying why and where it came from.
 */
import type { LogProducer, ProducerRecord } from '../client/types.js';
import type { LogRecord } from '../log/types.js';

export const dlqTopic = (appId: string) => `${appId}.dlq`;

export function deadLetterRecord(source: LogRecord & { topic: string; partition: number }, error: unknown, attempts: number): ProducerRecord {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    key: source.key,
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
