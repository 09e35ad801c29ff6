/**
 * Producer ids for InitProducerId: unique for the life of a data directory, so a producer id the
 * log holds batches of is never handed to a second producer after a restart. Ids are taken in
 * blocks of 1000; the end of the current block is written (atomically) to
 * `<dataDir>/producer-ids` before any id of it is handed out, so a crash skips at most the rest
 * of a block. In memory, ids just count up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../log/partition.js';

const BLOCK = 1000;
const FILE = 'producer-ids';

export class ProducerIds {
  private next = 0;
  private blockEnd = 0;
  private readonly file: string | null;

  constructor(dataDir: string | null) {
    this.file = dataDir ? path.join(dataDir, FILE) : null;
    if (this.file && fs.existsSync(this.file)) {
      const saved = Number(fs.readFileSync(this.file, 'utf8').trim());
      if (Number.isSafeInteger(saved) && saved >= 0) this.next = this.blockEnd = saved;
    }
  }

  allocate(): number {
    if (this.next >= this.blockEnd) {
      this.blockEnd = this.next + BLOCK;
      if (this.file) writeFileAtomic(this.file, String(this.blockEnd));
    }
    return this.next++;
  }
}
