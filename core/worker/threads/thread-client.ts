/**
 * The LogClient of a task thread: the embedded consumer and producer over a RemoteLogEngine and a
 * proxy of the group coordinator, and an admin answered by the log's own thread. To the app and
 * the DSL it is an embedded client; its members join the same groups as every other thread's.
 */
import type { MessagePort } from 'node:worker_threads';
import { EmbeddedConsumer, type ConsumerCoordinator } from '../../client/embedded/consumer.js';
import { EmbeddedProducer } from '../../client/embedded/producer.js';
import { EmbeddedReader } from '../../client/embedded/reader.js';
import type { ConsumerOptions, GroupDescription, LogAdmin, LogClient, LogConsumer, LogProducer, PartitionReader, ProducerOptions, TopicPartitionOffset } from '../../client/types.js';
import type { OffsetSpec, TopicDescription, TopicConfig } from '../../log/types.js';
import type { LogMeta } from './log-host.js';
import { RemoteLogEngine } from './remote-engine.js';
import { RpcClient } from './rpc.js';

class RemoteCoordinator implements ConsumerCoordinator {
  private nextSub = 1;
  private readonly listeners = new Map<number, () => void>();

  constructor(private readonly rpc: RpcClient) {}

  /** A rebalance event from the log thread. */
  fire(subId: number): void {
    this.listeners.get(subId)?.();
  }

  onRebalance(groupId: string, cb: () => void): () => void {
    const id = this.nextSub++;
    this.listeners.set(id, cb);
    void this.rpc.call('onRebalance', [id, groupId]).catch(() => {});
    return () => {
      this.listeners.delete(id);
      void this.rpc.call('offRebalance', [id]).catch(() => {});
    };
  }

  joinGroup: ConsumerCoordinator['joinGroup'] = (req) => this.rpc.call('joinGroup', [req]);
  syncGroup: ConsumerCoordinator['syncGroup'] = (req) => this.rpc.call('syncGroup', [req]);
  heartbeat: ConsumerCoordinator['heartbeat'] = (req) => this.rpc.call('heartbeat', [req]);
  leaveGroup: ConsumerCoordinator['leaveGroup'] = (req) => this.rpc.call('leaveGroup', [req]);
  commitOffsets: ConsumerCoordinator['commitOffsets'] = (req) => this.rpc.call('commitOffsets', [req]);
  fetchOffsets: ConsumerCoordinator['fetchOffsets'] = (req) => this.rpc.call('fetchOffsets', [req]);
}

class RemoteAdmin implements LogAdmin {
  constructor(private readonly rpc: RpcClient) {}
  createTopic(name: string, opts: { partitions: number; config?: Record<string, string | number> }): Promise<boolean> {
    return this.rpc.call('createTopic', [name, opts]);
  }
  listTopics(): Promise<string[]> {
    return this.rpc.call('listTopics', []);
  }
  describeTopic(name: string): Promise<TopicDescription> {
    return this.rpc.call('describeTopic', [name]);
  }
  deleteTopic(name: string): Promise<void> {
    return this.rpc.call('deleteTopic', [name]);
  }
  listOffsets(topic: string, spec: OffsetSpec): Promise<Array<{ partition: number; offset: number; timestamp: number }>> {
    return this.rpc.call('listOffsets', [topic, spec]);
  }
  listGroups(): Promise<string[]> {
    return this.rpc.call('listGroups', []);
  }
  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.rpc.call('describeGroup', [groupId]);
  }
  alterTopicConfig(name: string, changes: Record<string, string | null>): Promise<TopicConfig> {
    return this.rpc.call('alterTopicConfig', [name, changes]);
  }
  createPartitions(name: string, total: number): Promise<void> {
    return this.rpc.call('createPartitions', [name, total]);
  }
  setGroupOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    return this.rpc.call('setGroupOffsets', [groupId, offsets]);
  }
  deleteGroup(groupId: string): Promise<void> {
    return this.rpc.call('deleteGroup', [groupId]);
  }
}

export class ThreadLogClient implements LogClient {
  readonly kind = 'embedded' as const;
  private readonly rpc: RpcClient;
  private readonly engine: RemoteLogEngine;
  private readonly coordinator: RemoteCoordinator;
  private readonly consumers = new Set<LogConsumer>();
  private ready?: Promise<void>;
  private closed = false;

  constructor(port: MessagePort) {
    this.rpc = new RpcClient(
      port,
      (meta) => this.engine.applyMeta(meta as LogMeta),
      (name, args) => {
        if (name === 'rebalance') this.coordinator.fire(args[0] as number);
      },
    );
    this.engine = new RemoteLogEngine(this.rpc);
    this.coordinator = new RemoteCoordinator(this.rpc);
  }

  private deps = async () => {
    this.ready ??= this.rpc.call<LogMeta>('meta', []).then((m) => this.engine.applyMeta(m));
    await this.ready;
    return { engine: this.engine, coordinator: this.coordinator };
  };

  async connect(): Promise<void> {
    await this.deps();
  }

  admin(): LogAdmin {
    return new RemoteAdmin(this.rpc);
  }

  producer(opts: ProducerOptions = {}): LogProducer {
    return new EmbeddedProducer(async () => (await this.deps()).engine, opts.owner);
  }

  async claimInternalTopics(owner: string, topics: string[]): Promise<() => Promise<void>> {
    const release = await (await this.deps()).engine.claimInternalTopics(owner, topics);
    return async () => release();
  }

  consumer(opts: ConsumerOptions): LogConsumer {
    const c = new EmbeddedConsumer(this.deps, opts);
    this.consumers.add(c);
    return c;
  }

  reader(opts: { checkCrcs?: boolean } = {}): PartitionReader {
    return new EmbeddedReader(async () => (await this.deps()).engine, opts);
  }

  /** Leaves the groups and closes this thread's connection; the log itself stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close().catch(() => {})));
    await this.engine.close();
    this.rpc.close();
  }
}
