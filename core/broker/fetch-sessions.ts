/**
 * Incremental fetch sessions (KIP-227). A consumer that sends Fetch v7+ with session epoch 0 gets a
 * session id; its later fetches carry that id and the next epoch and list only partitions that
 * changed (added, or a new fetch offset) plus the ones to forget, and the answer lists only
 * partitions with something new: records, a moved high watermark, last stable offset or log start
 * offset, or an error. The broker remembers each session's partitions and what it last told the
 * client about them.
 *
 * Epochs (FetchMetadata in Kafka): 0 = open a new session (closing the one named, if any);
 * −1 = no session from now on (closing the one named); n > 0 = the n-th incremental fetch of the
 * session. An unknown id gets FETCH_SESSION_ID_NOT_FOUND (70), a wrong epoch
 * INVALID_FETCH_SESSION_EPOCH (71); the client then opens a new session.
 *
 * At most `maxSessions` live sessions (Kafka's max.incremental.fetch.session.cache.slots, 1000);
 * when full, the least recently used one is evicted, and a client whose session went gets 70.
 */

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
  /** What the client was last told; −1 before the first answer (so the partition is sent). */
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
}

export class FetchSession {
  /** The epoch the next incremental fetch must carry. */
  epoch = 1;
  /** Use order among the sessions (least recently used is evicted first). */
  lastUsed = 0;
  readonly partitions = new Map<string, SessionPartition>();
  constructor(readonly id: number) {}
}

export const FETCH_SESSION_ID_NOT_FOUND = 70;
export const INVALID_FETCH_SESSION_EPOCH = 71;

export function partitionKey(topicId: string, topic: string, partition: number): string {
  return `${topicId}\0${topic}\0${partition}`;
}

export class FetchSessions {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1 + Math.floor(Math.random() * 0x3fffffff);
  private clock = 0;

  constructor(readonly maxSessions = 1000) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Opens a new session, evicting the least recently used one when full. */
  open(): FetchSession {
    if (this.sessions.size >= this.maxSessions) {
      let oldest: FetchSession | null = null;
      for (const s of this.sessions.values()) if (!oldest || s.lastUsed < oldest.lastUsed) oldest = s;
      if (oldest) this.sessions.delete(oldest.id);
    }
    let id = this.nextId;
    while (id === 0 || this.sessions.has(id)) id = (id % 0x7fffffff) + 1;
    this.nextId = (id % 0x7fffffff) + 1;
    const s = new FetchSession(id);
    s.lastUsed = ++this.clock;
    this.sessions.set(id, s);
    return s;
  }

  get(id: number): FetchSession | undefined {
    const s = this.sessions.get(id);
    if (s) s.lastUsed = ++this.clock;
    return s;
  }

  close(id: number): boolean {
    return this.sessions.delete(id);
  }

  /** Forgets a deleted topic's partitions in every session (a recreated topic gets a new id). */
  forgetTopic(topic: string): void {
    for (const s of this.sessions.values()) for (const [k, p] of s.partitions) if (p.topic === topic) s.partitions.delete(k);
  }
}
