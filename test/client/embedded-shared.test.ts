/**
 * `embedded({ dataDir })` twice in one process shares one engine, but only with the same options:
 * a second caller asking for another flush policy, maintenance interval, topic defaults or clock
 * is refused with the difference named, instead of silently getting the first caller's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { embedded } from '../../core/client/embedded/client.js';
import { InvalidConfigError } from '../../core/errors.js';
import { tempDir } from '../support/tmp.js';

/** Made here, at the top level, so that its removal is registered where vitest runs it. */
const base = tempDir('embedded-shared');

describe('embedded clients on one data directory', () => {
  it('share the engine when the options agree (defaults spelled out or not)', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(base, 'shared-')), 'data');
    const a = embedded(dataDir);
    const b = embedded({ dataDir, flush: 'always', maintenanceIntervalMs: 30_000 });
    try {
      expect(await a.engine()).toBe(await b.engine());
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a second client asking for other options, naming them', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(base, 'mismatch-')), 'data');
    const a = embedded({ dataDir, flush: 'always', maintenanceIntervalMs: 0 });
    try {
      await a.connect();
      expect(() => embedded({ dataDir, flush: { intervalMs: 200 }, maintenanceIntervalMs: 0 })).toThrow(InvalidConfigError);
      expect(() => embedded({ dataDir, flush: 'never', maintenanceIntervalMs: 0 })).toThrow(/already open in this process with other options \(flush: "always", asked "never"\)/);
      expect(() => embedded({ dataDir, maintenanceIntervalMs: 0, topicDefaults: { 'retention.ms': 1000 } })).toThrow(/topicDefaults/);
      expect(() => embedded(dataDir)).toThrow(/maintenanceIntervalMs: 0, asked 30000/);
    } finally {
      await a.close();
    }
    // Once the first is closed, the directory opens with any options.
    const c = embedded({ dataDir, flush: 'never', maintenanceIntervalMs: 0 });
    await c.connect();
    await c.close();
  });
});
