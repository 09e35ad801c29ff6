import { SluiceError } from '../errors.js';

/** Another engine (this process or another) has the data directory open. */
export class DataDirLockedError extends SluiceError {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(
      'DATA_DIR_LOCKED',
      pid === process.pid
        ? `the data directory ${dataDir} is already open in this process; share one LogEngine/client instead of opening it twice`
        : `the data directory ${dataDir} is in use by process ${pid}; stop that process or use another --data-dir`,
    );
  }
}
