/**
 * Internal topics: the one notion, shared by every path that appends to a topic or deletes one.
 *
 * A topic is internal when
 * - its name starts with "__" (Kafka's convention: `__consumer_offsets`, written only by the group
 *   coordinator), always; or
 * - an app running on this log claimed it (its changelogs, repartition topics and
 *   `<app>.source-offsets`), for as long as the claim lasts.
 *
 * Clients may neither append to an internal topic (Kafka answers INVALID_TOPIC_EXCEPTION: "Cannot
 * append to internal topic") nor delete it. Sluice's own writers pass their identity as the
 * append's `writer`: SYSTEM_WRITER for "__" topics (the offset store), the app id for an app's
 * claimed topics. A record that slipped in anyway (a log written before this rule) is skipped
 * and reported by the loaders, never trusted.
 *
 * An app's internal topics are protected only while it runs: `sluice topics delete` of a stopped
 * app's changelog is how an app is reset, as with Kafka Streams' reset tool.
 */
import { InternalTopicError } from '../errors.js';

/** The writer identity of Sluice's own system writers (the offset store). Not exported from the package. */
export const SYSTEM_WRITER: unique symbol = Symbol('sluice.system-writer');

export type TopicWriter = string | typeof SYSTEM_WRITER;

/** Kafka's internal-topic names: "__consumer_offsets", "__transaction_state", and Sluice's own "__" names. */
export function isSystemTopic(name: string): boolean {
  return name.charCodeAt(0) === 95 && name.charCodeAt(1) === 95; // "__"
}

/** Topics claimed by running apps (owner → how many claims), one registry per log engine. */
export class InternalTopics {
  private readonly claims = new Map<string, Map<string, number>>();

  /** Marks `topics` internal to `owner` until the returned release is called (claims nest). */
  claim(owner: string, topics: readonly string[]): () => void {
    const names = [...new Set(topics)];
    for (const t of names) {
      let owners = this.claims.get(t);
      if (!owners) this.claims.set(t, (owners = new Map()));
      owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const t of names) {
        const owners = this.claims.get(t);
        const n = owners?.get(owner) ?? 0;
        if (n > 1) owners!.set(owner, n - 1);
        else owners?.delete(owner);
        if (owners && owners.size === 0) this.claims.delete(t);
      }
    };
  }

  isInternal(name: string): boolean {
    return isSystemTopic(name) || this.claims.has(name);
  }

  /** Who may append to an internal topic: the system, or the apps that claimed it. */
  private mayWrite(name: string, writer: TopicWriter | undefined): boolean {
    if (isSystemTopic(name)) return writer === SYSTEM_WRITER;
    const owners = this.claims.get(name);
    return !owners || (typeof writer === 'string' && owners.has(writer));
  }

  /** Throws InternalTopicError when `writer` may not append to `name`. */
  checkAppend(name: string, writer: TopicWriter | undefined): void {
    if (!this.mayWrite(name, writer)) throw new InternalTopicError(name, 'append', this.describe(name));
  }

  /** Throws InternalTopicError when `name` is internal (it may not be deleted). */
  checkDelete(name: string): void {
    if (this.isInternal(name)) throw new InternalTopicError(name, 'delete', this.describe(name));
  }

  private describe(name: string): string {
    if (name === '__consumer_offsets') return "it holds every consumer group's committed offsets";
    if (isSystemTopic(name)) return 'topics named "__…" are reserved for Sluice and Kafka';
    const owners = [...(this.claims.get(name)?.keys() ?? [])];
    return `it belongs to the running app${owners.length > 1 ? 's' : ''} ${owners.map((o) => `"${o}"`).join(', ')} (stop it first to reset it)`;
  }
}
