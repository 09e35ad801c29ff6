/**
 * The protocol surface: every API key in every version it advertises.
 *
 * - Codec round trip, per API, version and direction: a value with every field set (tagged fields
 *   and nullable ones included) encodes and decodes back to itself, with the fields a version does
 *   not have at their defaults, and re-encodes to the same bytes.
 * - Advertised = decoded: ApiVersions (each of v0–v4, flexible ones with response header v0) lists
 *   exactly the registered keys with their schema ranges; a real request of each key in each
 *   advertised version gets an answer whose body decodes exactly (every byte consumed, response
 *   header v1 for flexible versions); the version below and above the range close the connection
 *   (ApiVersions answers error 35 with a v0 body instead).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { registeredApis } from '../../core/broker/api.js';
import { apiVersionsSchema } from '../../core/broker/apis/18-api-versions.js';
import type { FieldDef, Message, TypeDef } from '../../core/broker/schema.js';
import { Reader } from '../../core/broker/wire.js';
import { requestFrame, templates } from './frames.js';
import { testBroker } from './support.js';

const broker = await testBroker({ autoCreateTopics: false });
await broker.engine.createTopic('fuzz', { partitions: 1 });
await broker.engine.createTopic('fuzz-produce', { partitions: 1 });
await broker.engine.append('fuzz', 0, [{ key: 'a', value: 'b' }]);
const ctx = { fuzzTopicId: broker.engine.describeTopic('fuzz').topicId };

// ------------------------------------------------------------------------------------------------
// A value with every field set, for one version.

const within = (v: number, r: readonly [number, number]) => v >= r[0] && v <= r[1];

function sample(t: TypeDef, version: number, flexible: boolean, seed: number, nullable: boolean): unknown {
  if (nullable && seed % 3 === 0) return null;
  if (t.kind === 'struct') return sampleStruct(t.fields, version, flexible, seed);
  if (t.kind === 'array') return [sample(t.of, version, flexible, seed + 1, false), sample(t.of, version, flexible, seed + 2, false)];
  switch (t.prim) {
    case 'bool':
      return true;
    case 'int8':
      return (seed % 100) + 1;
    case 'int16':
      return 1000 + seed;
    case 'uint16':
      return 60000 + seed;
    case 'int32':
      return 100000 + seed;
    case 'uint32':
      return 4000000000 + seed;
    case 'int64':
      return 2 ** 40 + seed;
    case 'float64':
      return seed + 0.5;
    case 'string':
      return `s${seed}-é`;
    case 'uuid':
      return (seed % 16).toString(16).repeat(32);
    case 'bytes':
    case 'records':
      return Buffer.from([seed & 0xff, 1, 2, 3]);
  }
}

/** Every field in the version gets a non-default value; the others their default. */
function sampleStruct(fields: FieldDef[], version: number, flexible: boolean, seed: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    const present = within(version, f.versions) && (f.tag === null || flexible);
    o[f.name] = present ? sample(f.type, version, flexible, seed * 7 + i, within(version, f.nullable)) : structuredDefault(f);
  });
  return o;
}

function structuredDefault(f: FieldDef): unknown {
  return Array.isArray(f.def) ? [] : f.def && typeof f.def === 'object' && !Buffer.isBuffer(f.def) ? { ...(f.def as object) } : f.def;
}

function roundTrip(m: Message<unknown>, version: number): void {
  const value = sampleStruct(m.fields, version, m.flexible(version), version + 1);
  const bytes = m.encode(value, version);
  const r = new Reader(bytes);
  const back = m.read(r, version);
  expect(r.pos, `${m.name} v${version}: bytes left over`).toBe(bytes.length);
  expect(back, `${m.name} v${version}`).toEqual(value);
  expect(m.encode(back, version).equals(bytes), `${m.name} v${version} re-encodes to other bytes`).toBe(true);
}

describe('message codecs', () => {
  for (const h of registeredApis()) {
    const { schema } = h;
    it(`${schema.name} (key ${schema.key}) round-trips requests and responses in v${schema.minVersion}–${schema.maxVersion}`, () => {
      for (let v = schema.minVersion; v <= schema.maxVersion; v++) {
        roundTrip(schema.request as Message<unknown>, v);
        roundTrip(schema.response as Message<unknown>, v);
      }
    });
  }

  it('has a request template for every registered key (the fuzz test covers them all)', () => {
    expect(registeredApis().map((h) => h.schema.key).sort((a, b) => a - b)).toEqual(Object.keys(templates).map(Number).sort((a, b) => a - b));
  });
});

// ------------------------------------------------------------------------------------------------
// Over a socket.

/** Sends one frame; resolves with the response frame (without its size), or null when the broker closed the connection. */
function exchange(f: Buffer): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = net.connect(broker.port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      resolve(null);
    }, 10_000);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
        clearTimeout(timer);
        s.destroy();
        resolve(got.subarray(4, 4 + got.readInt32BE(0)));
      }
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(null);
    });
    s.on('connect', () => s.write(f));
  });
}

describe('advertised versions are the decoded ones', () => {
  it('ApiVersions v0–v4 list every registered key with its schema range', async () => {
    const expected = registeredApis().map((h) => ({ apiKey: h.schema.key, minVersion: h.schema.minVersion, maxVersion: h.schema.maxVersion }));
    for (let v = 0; v <= 4; v++) {
      const res = await exchange(requestFrame(18, v, 7, { clientSoftwareName: 'sluice-test', clientSoftwareVersion: '1.0' }).buf);
      expect(res!.readInt32BE(0)).toBe(7);
      // Response header v0 even for the flexible v3/v4.
      const r = new Reader(res!, 4);
      const body = apiVersionsSchema.response.read(r, v);
      expect(r.pos).toBe(res!.length);
      expect(body.errorCode).toBe(0);
      expect(body.apiKeys).toEqual(expected);
    }
  });

  it('answers ApiVersions above v4 with error 35 and a v0 body', async () => {
    const f = requestFrame(18, 4, 9, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }).buf;
    f.writeInt16BE(5, 6);
    const res = await exchange(f);
    const body = apiVersionsSchema.response.decode(res!.subarray(4), 0);
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  });

  it('answers a client that only speaks flexible versions (ApiVersions v3 first, as librdkafka and Java clients do)', async () => {
    const res = await exchange(requestFrame(18, 3, 1, { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '3.9.0' }).buf);
    expect(apiVersionsSchema.response.decode(res!.subarray(4), 3).errorCode).toBe(0);
    const bad = await exchange(requestFrame(18, 3, 1, { clientSoftwareName: '-bad name', clientSoftwareVersion: '1' }).buf);
    expect(apiVersionsSchema.response.decode(bad!.subarray(4), 3).errorCode).toBe(42);
  });

  for (const h of registeredApis()) {
    const { schema } = h;
    it(`${schema.name} (key ${schema.key}) answers every version in v${schema.minVersion}–${schema.maxVersion} and none outside`, async () => {
      for (let v = schema.minVersion; v <= schema.maxVersion; v++) {
        const res = await exchange(requestFrame(schema.key, v, 1000 + v, templates[schema.key]!(v, v, ctx)).buf);
        expect(res, `${schema.name} v${v} got no answer`).not.toBeNull();
        expect(res!.readInt32BE(0)).toBe(1000 + v);
        const flexibleHeader = v >= schema.flexibleFrom && schema.key !== 18;
        const r = new Reader(res!, 4);
        if (flexibleHeader) expect(r.uvarint(), 'response header v1 tag section').toBe(0);
        const body = schema.response.read(r, v);
        expect(r.pos, `${schema.name} v${v} response has bytes left over`).toBe(res!.length);
        expect(body).toBeTypeOf('object');
      }
      if (schema.key === 18) return;
      for (const v of [schema.minVersion - 1, schema.maxVersion + 1].filter((x) => x >= 0)) {
        const f = requestFrame(schema.key, schema.maxVersion, 1, templates[schema.key]!(schema.maxVersion, 0, ctx)).buf;
        f.writeInt16BE(v, 6);
        expect(await exchange(f), `${schema.name} v${v} must be refused`).toBeNull();
      }
    });
  }
});
