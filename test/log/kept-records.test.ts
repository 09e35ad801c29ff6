/**
 * Records a reader keeps stay what they were read as. Reads go through a buffer the log reuses
 * (core/log/batch-copy-read.ts), so a key or value handed out must never point into it: records
 * (and Buffers taken from them) kept from the first polls of a group consumer, a group-less
 * reader's poll and its cursors (key(), value()) are checked byte for byte after many further
 * polls of other bytes, on disk (with reads within and across segments) and in memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { embedded, type EmbeddedClient } from '../../core/client/embedded/client.js';

const BATCHES = 60;
const PER_BATCH = 50;
const TOTAL = BATCHES * PER_BATCH;
/** Small reads: every poll reads a few batches, so the later polls overwrite any shared read buffer many times. */
const READ = { maxBytesPerPartition: 8 * 1024 };

/** Every record's key and value are unique, so bytes of another record in their place show. */
const keyOf = (o: number) => `key-${o}`;
const valueOf = (o: number) => `value-${o}-${'x'.repeat(o % 97)}`;

const dirs: string[] = [];
const clients: EmbeddedClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Where the topic lives; 'small segments': a segment per batch, so most polls read across segments. */
type Where = 'disk' | 'memory' | 'small segments';

async function filledClient(where: Where): Promise<EmbeddedClient> {
  let client: EmbeddedClient;
  if (where !== 'memory') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kept-'));
    dirs.push(dir);
    client = embedded({ dataDir: dir, maintenanceIntervalMs: 0, flush: 'never' });
  } else {
    client = embedded({ memory: true });
  }
  clients.push(client);
  await client.admin().createTopic('t', { partitions: 1, config: where === 'small segments' ? { 'segment.bytes': 1024 } : {} });
  const producer = client.producer();
  for (let b = 0; b < BATCHES; b++) {
    await producer.send('t', Array.from({ length: PER_BATCH }, (_, i) => ({ key: keyOf(b * PER_BATCH + i), value: valueOf(b * PER_BATCH + i), partition: 0 })));
  }
  return client;
}

/** What was kept, checked against what the offset's record was written as. */
interface Kept {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

function expectIntact(kept: Kept[]): void {
  expect(kept.length).toBeGreaterThan(0);
  for (const k of kept) {
    expect(k.key?.toString()).toBe(keyOf(k.offset));
    expect(k.value?.toString()).toBe(valueOf(k.offset));
  }
}

describe('records kept by a reader', () => {
  for (const where of ['disk', 'memory', 'small segments'] as Where[]) {
    it(`from a group consumer's first polls keep their bytes after many further polls (${where})`, async () => {
      const client = await filledClient(where);
      const consumer = client.consumer({ groupId: 'keepers', topics: ['t'] });
      const keptRecords: Kept[] = [];
      const keptViews: Kept[] = [];
      let polls = 0;
      let seen = 0;
      const deadline = Date.now() + 20_000;
      while (seen < TOTAL && Date.now() < deadline) {
        for (const b of await consumer.poll({ ...READ, maxWaitMs: 50 })) {
          polls++;
          for (const r of b.records) {
            seen++;
            if (polls <= 3) {
              keptRecords.push(r); // the record object itself
              keptViews.push({ offset: r.offset, key: r.key!.subarray(0), value: r.value!.slice() }); // Buffers over the same bytes
            }
          }
        }
      }
      await consumer.close();
      expect(seen).toBe(TOTAL);
      expect(polls).toBeGreaterThan(10);
      expectIntact(keptRecords);
      expectIntact(keptViews);
    });

    it(`from a reader's polls and cursors keep their bytes after many further polls (${where})`, async () => {
      const client = await filledClient(where);
      const polled = client.reader();
      const cursors = client.reader();
      polled.assign([{ topic: 't', partition: 0, offset: 0 }]);
      cursors.assign([{ topic: 't', partition: 0, offset: 0 }]);
      const fromPolls: Kept[] = [];
      const fromCursors: Kept[] = [];
      let polls = 0;
      // Kept from the first polls of each, and then both read alternately to the end.
      while ((polled.position({ topic: 't', partition: 0 }) ?? 0) < TOTAL || (cursors.position({ topic: 't', partition: 0 }) ?? 0) < TOTAL) {
        polls++;
        for (const f of await polled.poll(READ)) for (const r of f.records) if (polls <= 3) fromPolls.push(r);
        for (const f of await cursors.pollCursors(READ)) {
          while (f.records.next()) if (polls <= 3) fromCursors.push({ offset: f.records.offset, key: f.records.key(), value: f.records.value() });
        }
      }
      expect(polls).toBeGreaterThan(10);
      expect(fromPolls.length).toBe(fromCursors.length);
      expectIntact(fromPolls);
      expectIntact(fromCursors);
    });
  }
});
