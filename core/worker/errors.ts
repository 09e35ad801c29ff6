import { SluiceError } from '../errors.js';

/** A record failed and the error policy says `fail`: the app stops with this error. */
export class PipelineFailedError extends SluiceError {
  constructor(pipeline: string, where: string, cause: unknown) {
    super('PIPELINE_FAILED', `pipeline "${pipeline}" failed on ${where}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * A sink's target cannot be reached (its database restarting or down): no record's fault. The
 * worker writes the batch again until it can, as Kafka Connect does after a RetriableException
 * from put(), and never dead-letters it, which would leave the target without those changes.
 */
export class SinkTargetUnavailableError extends SluiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SINK_TARGET_UNAVAILABLE', message, { retriable: true, ...options });
  }
}

/** Inputs of one pipeline do not have the same number of partitions. */
export class CopartitioningError extends SluiceError {
  constructor(a: string, na: number, b: string, nb: number) {
    super('NOT_COPARTITIONED', `topics "${a}" (${na} partitions) and "${b}" (${nb} partitions) must have the same number of partitions to be processed together`);
  }
}

/** stop() was called while the app was starting: start() stopped what had started and rejects with this. */
export class AppStoppedError extends SluiceError {
  constructor(appId: string) {
    super('APP_STOPPED', `app "${appId}" was stopped while starting`);
  }
}

/** An app, pipeline or connector configuration that cannot run. */
export class AppConfigError extends SluiceError {
  constructor(message: string) {
    super('APP_CONFIG', message);
  }
}

/** A task thread of a threaded app failed: its module did not load or build an app, or its app failed. */
export class ThreadFailedError extends SluiceError {
  constructor(readonly thread: number, message: string, options: { cause?: unknown } = {}) {
    super('THREAD_FAILED', `task thread ${thread}: ${message}`, options);
  }
}

/** A connector name the app does not run (the management API's 404). */
export class UnknownConnectorError extends SluiceError {
  constructor(readonly connector: string, known: string[]) {
    super('UNKNOWN_CONNECTOR', `connector "${connector}" does not exist${known.length ? `; this app runs ${known.join(', ')}` : '; this process runs no connectors'}`);
  }
}

/** A connector can be paused, resumed or restarted only while its app runs (the management API's 409). */
export class ConnectorStateError extends SluiceError {
  constructor(connector: string, why: string) {
    super('CONNECTOR_STATE', `connector "${connector}": ${why}`);
  }
}

/** A key given as text that the store's key serde does not parse (the management API's 400). */
export class StoreKeyError extends SluiceError {
  constructor(store: string, readonly text: string, why: string) {
    super('STORE_KEY', `store "${store}": key ${JSON.stringify(text)} does not parse with its key serde: ${why} (with the default JSON serde a string key is written in quotes: "alice")`);
  }
}
