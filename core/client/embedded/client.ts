/**
 * EmbeddedClient: the LogClient over the in-process log. `embedded({ dataDir })` shares one engine
 * (and so one group coordinator) per directory within the process; `embedded({ memory: true })`
 * is private to the client; `embedded(engine)` wraps an engine the caller owns.
 */
import { coordinatorFor, type EmbeddedGroupCoordinator } from '../../groups/coordinator.js';
import type { LogEngine, OpenLogOptions } from '../../log/types.js';
import type { ConsumerOptions, LogAdmin, LogClient, LogConsumer, LogProducer, PartitionReader, ProducerOptions } from '../types.js';
import { EmbeddedAdmin } from './admin.js';
import { EmbeddedConsumer } from './consumer.js';
import { acquireEngine } from './engines.js';
import { EmbeddedProducer } from './producer.js';
import { EmbeddedReader } from './reader.js';

export type EmbeddedOptions = OpenLogOptions;

export class EmbeddedClient implements LogClient {
  readonly kind = 'embedded' as const;
  private readonly enginePromise: Promise<LogEngine>;
  private readonly release: () => Promise<void>;
  private depsPromise?: Promise<{ engine: LogEngine; coordinator: EmbeddedGroupCoordinator }>;
  private readonly consumers = new Set<LogConsumer>();
  private closed = false;

  constructor(source: EmbeddedOptions | LogEngine) {
    if (isEngine(source)) {
      this.enginePromise = Promise.resolve(source);
      this.release = async () => {};
    } else {
      const { engine, release } = acquireEngine(source);
      this.enginePromise = engine;
      this.release = release;
    }
  }

  /** The engine and its coordinator (opened on first use). */
  deps(): Promise<{ engine: LogEngine; coordinator: EmbeddedGroupCoordinator }> {
    this.depsPromise ??= this.enginePromise.then(async (engine) => ({ engine, coordinator: await coordinatorFor(engine) }));
    return this.depsPromise;
  }

  engine(): Promise<LogEngine> {
    return this.enginePromise;
  }

  async connect(): Promise<void> {
    await this.deps();
  }

  admin(): LogAdmin {
    return new EmbeddedAdmin(() => this.deps());
  }

  producer(opts: ProducerOptions = {}): LogProducer {
    return new EmbeddedProducer(() => this.enginePromise, opts.owner);
  }

  async claimInternalTopics(owner: string, topics: string[]): Promise<() => Promise<void>> {
    const release = await (await this.enginePromise).claimInternalTopics(owner, topics);
    return async () => release();
  }

  consumer(opts: ConsumerOptions): LogConsumer {
    const c = new EmbeddedConsumer(() => this.deps(), opts);
    this.consumers.add(c);
    return c;
  }

  reader(opts: { checkCrcs?: boolean } = {}): PartitionReader {
    return new EmbeddedReader(() => this.enginePromise, opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close().catch(() => {})));
    await this.release();
  }
}

function isEngine(x: unknown): x is LogEngine {
  return typeof x === 'object' && x !== null && typeof (x as LogEngine).appendRaw === 'function';
}

/**
 * The embedded log as a LogClient: `embedded('./data')` or `embedded({ dataDir, flush })` on disk,
 * `embedded({ memory: true })` (the default) in memory, or `embedded(engine)` over an open engine.
 */
export function embedded(source: string | EmbeddedOptions | LogEngine = { memory: true }): EmbeddedClient {
  return new EmbeddedClient(typeof source === 'string' ? { dataDir: source } : source);
}
