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

/** An operation on something already closed (a log, a client, a consumer). */
export class ClosedError extends SluiceError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}
