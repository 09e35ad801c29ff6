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

/**
 * An idempotent producer's batch the partition already has (same producer, epoch and sequences):
 * a retry after a lost response. Nothing is appended; the original offsets come back.
 */
export class DuplicateSequenceError extends SluiceError {
  constructor(
    readonly producerId: number,
    readonly sequence: number,
    readonly firstOffset: number,
    readonly lastOffset: number,
  ) {
    super('DUPLICATE_SEQUENCE_NUMBER', `producer ${producerId} sent sequence ${sequence} again; it is stored at offsets ${firstOffset}–${lastOffset}`);
  }
}

/** An idempotent producer's batch that does not follow its last one (a batch in between is missing). */
export class OutOfOrderSequenceError extends SluiceError {
  constructor(message: string) {
    super('OUT_OF_ORDER_SEQUENCE_NUMBER', message);
  }
}

/** A batch from an older epoch of a producer id: a newer producer with that id fenced it. */
export class InvalidProducerEpochError extends SluiceError {
  constructor(message: string) {
    super('INVALID_PRODUCER_EPOCH', message);
  }
}
