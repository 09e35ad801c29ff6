/**
 * Robustness: at least FUZZ_FRAMES (default 5 000) random and mutated frames per API key, spread over every version the
 * broker serves (flexible ones included), over real sockets. The broker
 * (in this process: an exception escaping it would fail the run) stays up, connections whose frame
 * is malformed are closed by the broker, and a kafkajs client on its own connections keeps
 * producing and reading back throughout. A size prefix over the limit is refused from the prefix
 * alone, before the body is read.
 */
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/lib.js';
import { requestFrame, templates, versionsOf, type Field } from './frames.js';
import { testBroker } from './support.js';

// 5 000 per key (135 000 frames over 27 keys) keeps the suite inside CI's budget; FUZZ_FRAMES=100000
// (or more) runs a deeper pass by hand.
const FRAMES_PER_KEY = Number(process.env.FUZZ_FRAMES ?? 5_000);

const broker = await testBroker({ autoCreateTopics: false, maxRequestBytes: 1 << 20 });
await broker.engine.createTopic('fuzz', { partitions: 1 });
await broker.engine.createTopic('fuzz-produce', { partitions: 1 });
for (let i = 0; i < 20; i++) await broker.engine.append('fuzz', 0, [{ key: `k${i}`, value: `v${i}` }, { key: null, value: 'x'.repeat(200) }]);
await broker.engine.createTopic('probe', { partitions: 1 });
const ctx = { fuzzTopicId: broker.engine.describeTopic('fuzz').topicId };
const rnd = mulberry32(7);
const int = (n: number) => Math.floor(rnd() * n);
const EXTREMES = [0, -1, 1, 0x7fffffff, -0x80000000, 0xffff, 0x7fff, -2];

/**
 * A mutated copy of a well-formed frame. Mostly values are changed in place (extreme numbers, random
 * string and record bytes) or bytes appended, which keeps the frame parseable and exercises the
 * handlers; about one frame in twenty has its structure broken (truncated, random body, bad version,
 * lying size).
 */
function mutate({ buf, fields }: { buf: Buffer; fields: Field[] }): Buffer {
  const f: Buffer = Buffer.from(buf);
  // A request without fields (ListGroups, ApiVersions) gets trailing bytes, which it must ignore.
  const dice = fields.length > 0 ? int(100) : rnd() < 0.95 ? 76 + int(9) : 85 + int(15);
  if (dice < 75) {
    for (let i = 0, n = 1 + int(2); i < n; i++) {
      const field = fields[int(fields.length)]!;
      if (field.kind === 'content') {
        for (let j = 0, m = 1 + int(4); j < m; j++) f[field.pos + int(field.size)] = int(256);
      } else if (field.size === 8) {
        f.writeBigInt64BE(rnd() < 0.5 ? BigInt(EXTREMES[int(EXTREMES.length)]!) : BigInt(int(2 ** 31)) * BigInt(int(2 ** 31)), field.pos);
      } else {
        const v = rnd() < 0.7 ? EXTREMES[int(EXTREMES.length)]! : int(2 ** 32);
        if (field.size === 4) f.writeInt32BE(v | 0, field.pos);
        else if (field.size === 2) f.writeInt16BE((v << 16) >> 16, field.pos);
        else f.writeInt8((v << 24) >> 24, field.pos);
      }
    }
    return f;
  }
  if (dice < 95) {
    // Trailing bytes after a well-formed body.
    const extra = Buffer.alloc(1 + int(64));
    for (let i = 0; i < extra.length; i++) extra[i] = int(256);
    const t = Buffer.concat([f, extra]);
    t.writeInt32BE(t.length - 4, 0);
    return t;
  }
  if (dice < 96) {
    const cut = 12 + int(f.length - 12);
    const t = f.subarray(0, cut);
    t.writeInt32BE(cut - 4, 0);
    return t;
  }
  if (dice < 98) {
    // Random body after a valid header.
    const body = Buffer.alloc(int(200));
    for (let i = 0; i < body.length; i++) body[i] = int(256);
    const t = Buffer.concat([f.subarray(0, 18), body]);
    t.writeInt32BE(t.length - 4, 0);
    return t;
  }
  if (dice < 99) {
    f.writeInt16BE(int(2) ? 50 + int(100) : -1 - int(5), 6); // unknown or out-of-range version
    return f;
  }
  // A lying size prefix: swallows part of the next frame, or ends early.
  f.writeInt32BE(Math.max(10, f.length - 4 + (int(2) ? int(40) : -int(40))), 0);
  return f;
}

/**
 * Writes frames on one connection and counts the responses (they come in request order). Resolves
 * with that count when the broker closes the connection, or when nothing moves for a while (a
 * mutated max_wait or timeout parked a request): then the client hangs up.
 */
function session(port: number, frames: Buffer[]): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let answered = 0;
    let pending: Buffer = Buffer.alloc(0);
    let stall: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(stall);
      stall = setTimeout(() => s.destroy(), 50);
    };
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, d]) : d;
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        pending = pending.subarray(4 + pending.readInt32BE(0));
        answered++;
      }
      if (answered >= frames.length) s.end();
      arm();
    });
    s.on('close', () => {
      clearTimeout(stall);
      resolve(answered);
    });
    s.on('connect', () => {
      s.write(Buffer.concat(frames));
      arm();
    });
  });
}

/** Sends frames until the broker has read `target` requests of this key; a closed connection resumes after its fatal frame. */
async function fuzzKey(key: number, target: number): Promise<{ read: number; connections: number }> {
  const t = templates[key]!;
  const versions = versionsOf(key);
  const startRead = broker.stats().byKey[key] ?? 0;
  const read = () => (broker.stats().byKey[key] ?? 0) - startRead;
  let n = 0;
  let connections = 0;
  const make = () => {
    const v = versions[int(versions.length)]!;
    const good = requestFrame(key, v, n, t(v, n++, ctx));
    return rnd() < 0.1 ? good.buf : mutate(good);
  };
  const worker = async () => {
    while (read() < target) {
      let frames = Array.from({ length: 200 }, make);
      while (frames.length > 0 && read() < target) {
        const answered = await session(broker.port, frames);
        connections++;
        frames = frames.slice(answered + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { read: read(), connections };
}

/** Sends one frame and reports whether the broker closed the connection by itself. */
function closedByBroker(port: number, f: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 2000);
    s.on('error', () => {});
    s.on('data', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    s.on('connect', () => s.write(f));
  });
}

describe('broker fuzzing', () => {
  it(`survives ${FRAMES_PER_KEY} random and mutated frames for every API key while a real client keeps working`, { timeout: 600_000 }, async () => {
    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer();
    await producer.connect();
    let probing = true;
    let probes = 0;
    const prober = (async () => {
      while (probing) {
        await producer.send({ topic: 'probe', acks: -1, messages: [{ key: 'p', value: String(probes) }] });
        probes++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const refusedBefore = broker.stats().refused;
    let connections = 0;
    // ListGroups first and JoinGroup last: OffsetCommit and JoinGroup with mutated group ids leave
    // thousands of groups behind (committed offsets, members within their session timeouts), and a
    // ListGroups after them would answer with all of them each time.
    const rank = (k: string) => (k === '16' ? -1 : k === '11' ? 1 : 0);
    const keys = Object.keys(templates).sort((a, b) => rank(a) - rank(b));
    for (const keyText of keys) {
      const t0 = Date.now();
      const res = await fuzzKey(Number(keyText), FRAMES_PER_KEY);
      if (process.env.FUZZ_VERBOSE) console.log(`key ${keyText}: ${res.read} read, ${res.connections} connections, ${Date.now() - t0} ms`);
      expect(res.read, `API key ${keyText}`).toBeGreaterThanOrEqual(FRAMES_PER_KEY);
      connections += res.connections;
    }
    probing = false;
    await prober;
    const refused = broker.stats().refused - refusedBefore;
    console.log(`fuzz: ${FRAMES_PER_KEY} frames read per API key over ${connections} connections; the broker refused ${refused} of them`);
    // About one frame in twenty is structure-breaking, and mutated lengths inside values break more:
    // at least one frame in a hundred must have been refused.
    expect(refused).toBeGreaterThan((Object.keys(templates).length * FRAMES_PER_KEY) / 100);

    // The well-behaved client worked throughout and its records are all there, in order.
    expect(probes).toBeGreaterThan(10);
    const stored = (await broker.engine.readRecords('probe', 0, 0, 1 << 24)).records.map((r) => Number(r.value!.toString()));
    expect(stored).toEqual(Array.from({ length: probes }, (_, i) => i));
    await producer.disconnect();
    // Every fuzz connection is gone.
    const end = Date.now() + 5000;
    while (broker.connections() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(broker.connections()).toBe(0);
  });

  it('closes the connection itself on a malformed frame, for every API key', async () => {
    for (const [keyText, t] of Object.entries(templates)) {
      const key = Number(keyText);
      const v = versionsOf(key).at(-1)!;
      const good = requestFrame(key, v, 1, t(v, 0, ctx)).buf;
      // Cut inside the body: the header parses, the body cannot.
      const cut = good.subarray(0, Math.max(14, good.length - 3));
      cut.writeInt32BE(cut.length - 4, 0);
      if (key !== 16 && key !== 18) expect(await closedByBroker(broker.port, cut), `key ${key}`).toBe(true);
      // An unsupported version (ApiVersions answers those with error 35 instead).
      const badVersion = Buffer.from(good);
      badVersion.writeInt16BE(99, 6);
      if (key !== 18) expect(await closedByBroker(broker.port, badVersion), `key ${key} v99`).toBe(true);
    }
    const unknownKey = requestFrame(18, 0, 1, {}).buf;
    unknownKey.writeInt16BE(999, 4);
    expect(await closedByBroker(broker.port, unknownKey)).toBe(true);
  });

  it('refuses a frame over the size limit from its size prefix, without reading the body', async () => {
    const s = net.connect(broker.port, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    const head = Buffer.alloc(4);
    head.writeInt32BE(200 * 1024 * 1024, 0);
    let written = 0;
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('error', () => {});
    s.write(head);
    // Keep streaming; the broker must hang up long before 200 MiB arrive.
    const chunk = Buffer.alloc(64 * 1024);
    const pump = setInterval(() => {
      if (!s.destroyed && written < 200 * 1024 * 1024) {
        s.write(chunk);
        written += chunk.length;
      }
    }, 1);
    await closed;
    clearInterval(pump);
    expect(written).toBeLessThan(50 * 1024 * 1024);
    expect(process.memoryUsage().rss).toBeLessThan(2 * 1024 ** 3);
  });
});
