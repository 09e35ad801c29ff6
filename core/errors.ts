/**
 * One base class for every error Sluice raises on purpose. `code` is stable (tests and users may
 * switch on it); `retriable` says whether doing the same thing again may succeed. Errors are not
 * retriable unless a subclass says so: retrying by default hides bugs.
 */
export class SluiceError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A topic name that Kafka's rule refuses ([a-zA-Z0-9._-], 1–249 chars, not "." or ".."). */
export class InvalidTopicError extends SluiceError {
  constructor(message: string) {
    super('INVALID_TOPIC', message);
  }
}

export class UnknownTopicError extends SluiceError {
  constructor(readonly topic: string) {
    super('UNKNOWN_TOPIC', `topic "${topic}" does not exist (create it with "sluice topics create ${topic} --partitions N")`);
  }
}

export class TopicExistsError extends SluiceError {
  constructor(readonly topic: string) {
    super('TOPIC_EXISTS', `topic "${topic}" already exists`);
  }
}

export class UnknownPartitionError extends SluiceError {
  constructor(readonly topic: string, readonly partition: number) {
    super('UNKNOWN_PARTITION', `topic "${topic}" has no partition ${partition}`);
  }
}

/** A partition count, config key or config value that cannot be used. Names what is wrong. */
export class InvalidConfigError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_CONFIG', message, options);
  }
}

/** A partition count over a limit of the log (per topic or in total). */
export class InvalidPartitionsError extends SluiceError {
  constructor(message: string) {
    super('INVALID_PARTITIONS', message);
  }
}

/** A read below the log start offset (the records there were deleted by retention or compaction). */
export class OffsetOutOfRangeError extends SluiceError {
  constructor(readonly topic: string, readonly partition: number, readonly offset: number, readonly logStartOffset: number) {
    super(
      'OFFSET_OUT_OF_RANGE',
      `offset ${offset} of ${topic}/${partition} is below the log start offset ${logStartOffset}: those records were removed by retention`,
    );
  }
}

/** Bytes that are not a valid Kafka RecordBatch v2 (bad magic, length or CRC-32C). */
export class CorruptRecordBatchError extends SluiceError {
  constructor(message: string) {
    super('CORRUPT_MESSAGE', message);
  }
}

export class RecordTooLargeError extends SluiceError {
  constructor(message: string) {
    super('RECORD_TOO_LARGE', message);
  }
}

/** An append to, or the deletion of, a topic only Sluice itself may write (core/log/internal-topics.ts). */
export class InternalTopicError extends SluiceError {
  constructor(readonly topic: string, readonly operation: 'append' | 'delete', why: string) {
    super(
      'INTERNAL_TOPIC',
      operation === 'append'
        ? `cannot append to internal topic "${topic}": ${why}; only Sluice writes to it`
        : `cannot delete internal topic "${topic}": ${why}`,
    );
  }
}

/** A batch compressed with a codec this process cannot decode (core/log/codecs.ts lists the registered ones). */
export class UnsupportedCompressionError extends SluiceError {
  constructor(readonly codec: number, known: string) {
    super('UNSUPPORTED_COMPRESSION_TYPE', `record batch compression codec ${codec} cannot be read here (readable: ${known})`);
  }
}

/**
 * The disk refused a write or a sync (full, read-only, failing). Retriable: Kafka's
 * KAFKA_STORAGE_ERROR; the same write may succeed once space is freed.
 */
export class LogStorageError extends SluiceError {
  constructor(readonly path: string, cause: NodeJS.ErrnoException) {
    super('KAFKA_STORAGE_ERROR', `the log could not write ${path}: ${cause.code ?? cause.message}${cause.code === 'ENOSPC' ? ' (the disk is full: free space or lower retention)' : ''}`, { retriable: true, cause });
  }
}

/**
 * The log on disk is damaged in a way that opening it must not paper over (corruption followed by
 * valid records, or missing segments): nothing is truncated or skipped without the operator's say.
 */
export class CorruptLogError extends SluiceError {
  constructor(message: string) {
    super('CORRUPT_LOG', message);
  }
}

/** An operation on something already closed (a log, a client, a consumer). */
export class ClosedError extends SluiceError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}
