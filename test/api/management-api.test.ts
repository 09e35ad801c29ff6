/**
 * The management API over a running app on a real log (embedded, or kafkajs against a sluice
 * broker in the "kafka" project): every endpoint, its bad input and the token rules.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { managementRoutes, startManagementServer } from '../../api/server.js';
import { credentialsFromEntry, formatCredential, scramCredential } from '../../core/broker/scram.js';
import { onCleanup } from '../support/cleanup.js';
import { AUTH, consoleFixture, until, type ConsoleFixture } from '../support/console-app.js';
import { readTopic } from '../support/log.js';

let f: ConsoleFixture;
beforeAll(async () => {
  f = await consoleFixture();
  // The pipeline has run the orders (the two that are not JSON dead-lettered) before the tests look.
  await until(async () => ((await readTopic(f.engine, 'shop.dlq')).length >= 2 && (await readTopic(f.engine, 'parsed')).length >= 2 ? true : undefined), 'the pipeline');
});

describe('topics', () => {
  it('lists, describes, creates, alters, grows and deletes', async () => {
    const list = await f.call('GET', '/api/topics?internal=false');
    expect(list.status).toBe(200);
    expect(list.body.find((t: any) => t.name === 'orders')).toMatchObject({ partitions: 2, messages: 4, internal: false });
    expect(list.body.some((t: any) => t.internal)).toBe(false);

    const d = await f.call('GET', '/api/topics/orders');
    expect(d.body.partitions).toHaveLength(2);
    expect(d.body.partitions[0]).toMatchObject({ partition: 0, logStartOffset: 0, highWatermark: 3 });
    expect(d.body.config['cleanup.policy']).toBe('delete');

    expect((await f.call('POST', '/api/topics', { name: 'made', partitions: 2, config: { 'retention.ms': 60000 } }, AUTH)).status).toBe(201);
    expect((await f.call('POST', '/api/topics', { name: 'made' }, AUTH)).status).toBe(409);
    const bad = await f.call('POST', '/api/topics', { name: 'made', partitions: 0 }, AUTH);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/body\.partitions/);
    expect((await f.call('POST', '/api/topics', { name: 'bad/name' }, AUTH)).status).toBe(400);

    const altered = await f.call('PUT', '/api/topics/made/config', { config: { 'retention.ms': '120000', 'cleanup.policy': null } }, AUTH);
    expect(altered.status).toBe(200);
    expect(altered.body['retention.ms']).toBe(120000);
    const grown = await f.call('POST', '/api/topics/made/partitions', { count: 3 }, AUTH);
    expect(grown.body.partitions).toHaveLength(3);

    expect((await f.call('DELETE', '/api/topics/made', undefined, AUTH)).status).toBe(204);
    expect((await f.call('GET', '/api/topics/made')).status).toBe(404);
  });

  it('answers 404 for an unknown topic on every topic endpoint', async () => {
    const r = await f.call('GET', '/api/topics/nope');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error_code: 404, message: expect.stringContaining('"nope" does not exist') });
    expect((await f.call('DELETE', '/api/topics/nope', undefined, AUTH)).status).toBe(404);
    expect((await f.call('PUT', '/api/topics/nope/config', { config: {} }, AUTH)).status).toBe(404);
    expect((await f.call('GET', '/api/topics/nope/partitions/0/messages')).status).toBe(404);
    expect((await f.call('POST', '/api/topics/nope/messages', { value: 'x' }, AUTH)).status).toBe(404);
  });
});

describe('messages', () => {
  it('browses a partition with headers, from an offset, a time or the end, filtered and decoded', async () => {
    const last = await f.call('GET', '/api/topics/orders/partitions/0/messages');
    expect(last.status).toBe(200);
    expect(last.body.records.map((r: any) => r.key)).toEqual(['o-1', 'o-2', 'o-3']);
    expect(last.body.records[0]).toMatchObject({ offset: 0, headers: { source: 'web', trace: 'abc-1' }, value: '{"id":1,"total":10}', timestamp: 1_700_000_000_000 });

    const from = await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=1&limit=1');
    expect(from.body.records.map((r: any) => r.offset)).toEqual([1]);
    expect(from.body.nextOffset).toBe(2);
    const at = await f.call('GET', '/api/topics/orders/partitions/0/messages?timestamp=1700000001500');
    expect(at.body.records.map((r: any) => r.key)).toEqual(['o-3']);
    const byKey = await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=0&key=o-2');
    expect(byKey.body.records.map((r: any) => r.key)).toEqual(['o-2']);
    const byText = await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=0&q=MOBILE');
    expect(byText.body.records.map((r: any) => r.key)).toEqual(['o-2']);

    const json = await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=0&decode=json');
    expect(json.body.records[0]).toMatchObject({ value: '{\n  "id": 1,\n  "total": 10\n}', valueFormat: 'json' });
    expect(json.body.records[2]).toMatchObject({ value: 'not json at all', valueFormat: 'string' });
    const hex = await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=0&limit=1&decode=hex');
    expect(hex.body.records[0]).toMatchObject({ key: Buffer.from('o-1').toString('hex'), headers: { source: Buffer.from('web').toString('hex') } });
  });

  it('names the field of a bad offset (400) and answers 404 for a partition that does not exist', async () => {
    const bad = await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^query\.offset: /);
    const neg = await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=-1');
    expect(neg.body.message).toMatch(/query\.offset/);
    const past = await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=99');
    expect(past.status).toBe(400);
    expect(past.body.message).toMatch(/query\.offset: 99 is past the end/);
    expect((await f.call('GET', '/api/topics/orders/partitions/0/messages?offset=0&timestamp=1')).status).toBe(400);
    expect((await f.call('GET', '/api/topics/orders/partitions/0/messages?decode=base64')).body.message).toMatch(/query\.decode/);
    expect((await f.call('GET', '/api/topics/orders/partitions/7/messages')).status).toBe(404);
    expect((await f.call('GET', '/api/topics/orders/partitions/x/messages')).body.message).toMatch(/path\.partition/);
  });

  it('produces a test record with headers', async () => {
    await f.client.admin().createTopic('scratch', { partitions: 1 });
    const r = await f.call('POST', '/api/topics/scratch/messages', { key: 'k', value: 'v', headers: { h: '1' } }, AUTH);
    expect(r).toMatchObject({ status: 201, body: { topic: 'scratch', partition: 0, offset: 0 } });
    const [rec] = await readTopic(f.engine, 'scratch');
    expect([rec!.key!.toString(), rec!.value!.toString(), rec!.headers.h!.toString()]).toEqual(['k', 'v', '1']);
    expect((await f.call('POST', '/api/topics/scratch/messages', { value: 'v', partition: 5 }, AUTH)).status).toBe(404);
    expect((await f.call('POST', '/api/topics/scratch/messages', { value: 'v', extra: 1 }, AUTH)).body.message).toMatch(/body: Unrecognized key/);
  });
});

describe('consumer groups', () => {
  it('lists and describes a group with its members, offsets and lag', async () => {
    const list = await f.call('GET', '/api/groups');
    expect(list.body.find((g: any) => g.groupId === 'shop.parse')).toMatchObject({ state: 'Stable', members: 1 });
    const d = await f.call('GET', '/api/groups/shop.parse');
    expect(d.body.members[0].assignment).toHaveLength(2);
    expect(d.body.offsets.find((o: any) => o.partition === 0)).toMatchObject({ topic: 'orders', committed: 3, endOffset: 3, lag: 0 });
    expect((await f.call('GET', '/api/groups/nope')).status).toBe(404);
  });

  it('refuses a reset while the group has members (409) and resets an empty one as the CLI does', async () => {
    const active = await f.call('POST', '/api/groups/shop.parse/offsets/reset', { to: { kind: 'earliest' } }, AUTH);
    expect(active.status).toBe(409);
    expect(active.body.message).toMatch(/active member/);

    await f.client.admin().setGroupOffsets('readers', [{ topic: 'orders', partition: 0, offset: 3 }]);
    const dry = await f.call('POST', '/api/groups/readers/offsets/reset', { to: { kind: 'shift', by: -2 }, dryRun: true }, AUTH);
    expect(dry.body.partitions).toEqual([{ topic: 'orders', partition: 0, current: 3, next: 1 }]);
    expect((await f.call('GET', '/api/groups/readers')).body.offsets[0].committed).toBe(3);
    const done = await f.call('POST', '/api/groups/readers/offsets/reset', { to: { kind: 'offset', offset: 1 }, topics: [{ topic: 'orders', partitions: [0] }] }, AUTH);
    expect(done.status).toBe(200);
    expect((await f.call('GET', '/api/groups/readers')).body.offsets[0]).toMatchObject({ committed: 1, lag: 2 });
    const badTarget = await f.call('POST', '/api/groups/readers/offsets/reset', { to: { kind: 'offset', offset: -5 } }, AUTH);
    expect(badTarget.body.message).toMatch(/body\.to\.offset/);
    expect((await f.call('DELETE', '/api/groups/readers', undefined, AUTH)).status).toBe(204);
    expect((await f.call('GET', '/api/groups/readers')).status).toBe(404);
    expect((await f.call('DELETE', '/api/groups/shop.parse', undefined, AUTH)).status).toBe(409);
  });
});

describe('connectors (Kafka Connect REST shape)', () => {
  it('lists connectors, with expand=status and expand=info', async () => {
    expect((await f.call('GET', '/connectors')).body).toEqual(['ticker', 'collector']);
    const x = await f.call('GET', '/connectors?expand=status&expand=info');
    expect(x.body.ticker.status).toMatchObject({ name: 'ticker', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'RUNNING' }], type: 'source' });
    expect(x.body.collector.info).toMatchObject({ name: 'collector', type: 'sink', tasks: [{ connector: 'collector', task: 0 }] });
  });

  it('shows config with secrets masked, and status', async () => {
    const info = await f.call('GET', '/connectors/collector');
    expect(info.body.config).toMatchObject({ 'connector.class': 'collector', name: 'collector', topics: 'ticks', password: '[hidden]', url: 'postgres://app:[hidden]@db.internal/shop' });
    expect(JSON.stringify(info.body)).not.toMatch(/hunter2|s3cret/);
    expect((await f.call('GET', '/connectors/ticker/config')).body).toMatchObject({ 'connector.class': 'ticker', topic: 'ticks', everyMs: 40 });
    expect((await f.call('GET', '/connectors/ticker/status')).body.connector.state).toBe('RUNNING');
    expect((await f.call('GET', '/connectors/nope/status')).status).toBe(404);
    expect((await f.call('PUT', '/connectors/nope/pause', undefined, AUTH)).status).toBe(404);
  });

  it('pauses, resumes and restarts a source and a sink', async () => {
    const count = () => f.app.metrics.value('sluice_source_records_total', { connector: 'ticker' });
    expect((await f.call('PUT', '/connectors/ticker/pause', undefined, AUTH)).status).toBe(202);
    expect((await f.call('GET', '/connectors/ticker/status')).body.connector.state).toBe('PAUSED');
    const paused = await until(async () => {
      const a = count();
      await new Promise((r) => setTimeout(r, 200));
      return count() === a ? a : undefined;
    }, 'the source to stop');
    await new Promise((r) => setTimeout(r, 200));
    expect(count()).toBe(paused);
    expect((await f.call('PUT', '/connectors/ticker/resume', undefined, AUTH)).status).toBe(202);
    await until(() => (count() > paused ? true : undefined), 'the source to go on');

    expect((await f.call('PUT', '/connectors/collector/pause', undefined, AUTH)).status).toBe(202);
    const before = await until(async () => {
      const a = f.sink.written.length;
      await new Promise((r) => setTimeout(r, 300));
      return f.sink.written.length === a ? a : undefined;
    }, 'the sink to stop');
    expect((await f.call('POST', '/connectors/collector/restart', undefined, AUTH)).status).toBe(204);
    expect((await f.call('GET', '/connectors/collector/status')).body.connector.state).toBe('PAUSED');
    await new Promise((r) => setTimeout(r, 200));
    expect(f.sink.written.length).toBe(before);
    await f.call('PUT', '/connectors/collector/resume', undefined, AUTH);
    await until(() => (f.sink.written.length > before ? true : undefined), 'the sink to go on');
    expect((await f.call('POST', '/connectors/ticker/restart', undefined, AUTH)).status).toBe(204);
    const n = count();
    await until(() => (count() > n ? true : undefined), 'the restarted source to produce');
  });

  it("answers a source's and a sink's offsets", async () => {
    const src = await f.call('GET', '/connectors/ticker/offsets');
    expect(src.body.offsets[0]).toMatchObject({ partition: { source_partition: 'ticks' }, offset: { offset: expect.any(Number) } });
    const snk = await until(async () => {
      const r = await f.call('GET', '/connectors/collector/offsets');
      return r.body.offsets.length ? r : undefined;
    }, 'sink offsets');
    expect(snk.body.offsets[0]).toMatchObject({ partition: { kafka_topic: 'ticks', kafka_partition: 0 }, offset: { kafka_offset: expect.any(Number) } });
  });
});

describe('connector plugins', () => {
  it('lists plugins with their config schema, their config definitions, and validates a config', async () => {
    const list = await f.call('GET', '/connector-plugins');
    const fileSource = list.body.find((p: any) => p.class === 'file-source');
    expect(fileSource).toMatchObject({ type: 'source', config: { type: 'object', required: expect.arrayContaining(['path']) } });
    expect(list.body.map((p: any) => p.class)).toEqual(expect.arrayContaining(['postgres-cdc-source', 'postgres-sink', 'http-source', 'http-sink', 'redis-sink', 'file-sink']));
    const defs = await f.call('GET', '/connector-plugins/file-source/config');
    expect(defs.body.find((d: any) => d.name === 'path')).toMatchObject({ required: true, importance: 'HIGH', documentation: expect.any(String) });

    const bad = await f.call('PUT', '/connector-plugins/file-source/config/validate', { 'connector.class': 'file-source', path: 5, format: 'xml' }, AUTH);
    expect(bad.status).toBe(200);
    expect(bad.body.error_count).toBe(2);
    expect(bad.body.configs.find((c: any) => c.value.name === 'path').value.errors[0]).toMatch(/string/);
    const good = await f.call('PUT', '/connector-plugins/file-source/config/validate', { path: './in/*.jsonl', format: 'jsonl' }, AUTH);
    expect(good.body.error_count).toBe(0);
    expect((await f.call('GET', '/connector-plugins/nope-source/config')).status).toBe(404);
  });
});

describe('pipelines and dead letters', () => {
  it('lists the pipelines with their topics and lag', async () => {
    const list = await f.call('GET', '/api/pipelines');
    expect(list.body).toEqual([{ name: 'parse', app: 'shop', groupId: 'shop.parse', inputs: ['orders'], outputs: ['parsed'], internalTopics: [], lag: expect.any(Number) }]);
    expect((await f.call('GET', '/api/pipelines/parse')).body.name).toBe('parse');
    expect((await f.call('GET', '/api/pipelines/nope')).status).toBe(404);
  });

  it("answers the topology in Kafka Streams' TopologyDescription shape, with its text", async () => {
    const t = (await f.call('GET', '/api/topology')).body;
    expect(t).toMatchObject({ app: 'shop', detailed: true });
    // The app's own describe(): its pipeline, and the sink connector's (a pipeline over its topics).
    const described = t.subtopologies.map((s: any) => ({ ...s, nodes: s.nodes.map(({ records: _r, rate: _x, ...n }: any) => n) }));
    expect(described).toEqual([
      {
        id: 0,
        pipeline: 'parse',
        nodes: [
          { type: 'source', name: 'parse-source', topics: ['orders'], successors: ['parse'] },
          { type: 'processor', name: 'parse', stores: [], successors: ['parse-sink-parsed'], predecessors: ['parse-source'] },
          { type: 'sink', name: 'parse-sink-parsed', topic: 'parsed', predecessors: ['parse'] },
        ],
        repartitionTopics: [],
        changelogTopics: [],
      },
      {
        id: 1,
        pipeline: 'sink-collector',
        nodes: [
          { type: 'source', name: 'sink-collector-source', topics: ['ticks'], successors: ['sink-collector'] },
          { type: 'processor', name: 'sink-collector', stores: [], successors: [], predecessors: ['sink-collector-source'] },
        ],
        repartitionTopics: [],
        changelogTopics: [],
      },
    ]);
    expect(t.text).toContain('Sub-topology: 0\n    Source: parse-source (topics: [orders])\n      --> parse\n');
  });

  it('counts the records entering each node of a pipeline built without the DSL, per batch', async () => {
    // Four orders: two parse, two are dead-lettered (not JSON), so the sink got two of them.
    const nodes = await until(async () => {
      const t = (await f.call('GET', '/api/topology')).body;
      const n = Object.fromEntries(t.subtopologies[0].nodes.map((x: any) => [x.name, x]));
      return n['parse-sink-parsed'].records >= 2 ? n : undefined;
    }, 'the parse pipeline to have run');
    expect(nodes['parse-source'].records).toBeGreaterThanOrEqual(4);
    expect(nodes['parse'].records).toBe(nodes['parse-source'].records);
    expect(nodes['parse-sink-parsed'].records).toBeLessThan(nodes['parse-source'].records);
    for (const n of Object.values(nodes) as any[]) expect(n.rate === null || n.rate >= 0).toBe(true);
    // The same counts in /metrics' series.
    expect(f.app.metrics.render()).toMatch(/sluice_node_records_total\{node="parse-sink-parsed",pipeline="parse"\} \d+/);
  });

  it('browses dead letters with their error and replays one to its source topic', async () => {
    expect((await f.call('GET', '/api/dead-letters')).body).toEqual([{ topic: 'shop.dlq', partitions: 1, records: expect.any(Number) }]);
    const dl = await f.call('GET', '/api/dead-letters/shop.dlq/partitions/0/records?offset=0');
    const letter = dl.body.records.find((r: any) => r.key === 'o-3');
    expect(letter).toMatchObject({ key: 'o-3', value: 'not json at all', error: { message: expect.stringMatching(/JSON/), sourceTopic: 'orders', sourcePartition: 0, sourceOffset: 2, attempts: 1 } });
    expect((await f.call('GET', '/api/dead-letters/orders/partitions/0/records')).body.message).toMatch(/path\.topic: a dead-letter topic ends in \.dlq/);

    const replay = await f.call('POST', `/api/dead-letters/shop.dlq/partitions/0/records/${letter.offset}/replay`, undefined, AUTH);
    expect(replay).toMatchObject({ status: 200, body: { topic: 'orders', partition: 0, offset: 3 } });
    const orders = await readTopic(f.engine, 'orders');
    const replayed = orders.find((r) => r.partition === 0 && r.offset === 3)!;
    expect(replayed.value!.toString()).toBe('not json at all');
    expect(replayed.headers['sluice.replayed.from']!.toString()).toBe(`shop.dlq/0/${letter.offset}`);
    expect(replayed.headers.source!.toString()).toBe('batch');
    expect(replayed.headers['sluice.error']).toBeUndefined();
    expect((await f.call('POST', '/api/dead-letters/shop.dlq/partitions/0/records/999/replay', undefined, AUTH)).status).toBe(404);
    // A record without its origin cannot be replayed.
    await f.client.admin().createTopic('manual.dlq', { partitions: 1 });
    await f.client.producer().send('manual.dlq', [{ value: 'x' }]);
    expect((await f.call('POST', '/api/dead-letters/manual.dlq/partitions/0/records/0/replay', undefined, AUTH)).body.message).toMatch(/no sluice.source.topic/);
  });
});

describe('the live stream and the document', () => {
  it('streams samples with topic rates, group lag and connector rates', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${f.base}/api/live`, { signal: ctl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    const samples: any[] = [];
    while (samples.length < 2) {
      buf += (await reader.read()).value;
      for (const m of buf.matchAll(/event: sample\ndata: (.*)\n\n/g)) samples.push(JSON.parse(m[1]!));
      if (samples.length < 2) samples.length = 0;
    }
    ctl.abort();
    const s = samples[1];
    expect(s.topics.find((t: any) => t.name === 'ticks').rate).toBeGreaterThan(0);
    expect(s.groups.find((g: any) => g.groupId === 'shop.parse')).toMatchObject({ members: 1 });
    expect(s.connectors.find((c: any) => c.name === 'ticker')).toMatchObject({ type: 'source', state: 'RUNNING' });
    expect(s.pipelines).toEqual([{ name: 'parse', lag: expect.any(Number), rate: expect.any(Number) }]);
    // Every node of the topology, the ticker's records flowing through the sink connector's.
    expect(s.nodes).toContainEqual({ pipeline: 'sink-collector', node: 'sink-collector-source', records: expect.any(Number), rate: expect.any(Number) });
    expect(s.nodes.map((n: any) => n.node)).toEqual(expect.arrayContaining(['parse-source', 'parse', 'parse-sink-parsed', 'sink-collector']));
  });

  it('describes every endpoint in /api/openapi.json from the schemas the handlers validate with', async () => {
    const doc = (await f.call('GET', '/api/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const r of managementRoutes()) expect(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    expect(doc.paths['/api/live'].get).toBeDefined();
    const browse = doc.paths['/api/topics/{topic}/partitions/{partition}/messages'].get;
    expect(browse.parameters.find((p: any) => p.name === 'offset')).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 0 } });
    expect(doc.paths['/api/topics'].post.requestBody.content['application/json'].schema.properties.partitions).toMatchObject({ type: 'integer', minimum: 1, default: 1 });
    expect(doc.paths['/api/topics'].post.security).toEqual([{ bearer: [] }]);
  });
});

describe('security', () => {
  it('needs the token for every write, refuses a wrong one, another origin and a foreign Host', async () => {
    const noToken = await f.call('PUT', '/connectors/ticker/pause');
    expect(noToken.status).toBe(401);
    expect((await f.call('PUT', '/connectors/ticker/pause', undefined, { authorization: 'Bearer wrong-token-xxxxxxxx' })).status).toBe(401);
    expect((await f.call('GET', '/connectors/ticker/status')).body.connector.state).toBe('RUNNING');
    expect((await f.call('POST', '/api/topics', { name: 'x1' }, { ...AUTH, origin: 'http://evil.example' })).status).toBe(403);
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 cannot read either.
    const rebound = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ default: http }) =>
        http.get(`${f.base}/api/topics`, { headers: { host: 'evil.example:80' } }, (res) => resolve(res.statusCode!)).on('error', reject),
      );
    });
    expect(rebound).toBe(403);
  });

  it('bounds request bodies (413)', async () => {
    const big = await f.call('PUT', '/connector-plugins/file-source/config/validate', JSON.stringify({ path: 'x'.repeat(2 * 1024 * 1024) }), AUTH);
    expect(big.status).toBe(413);
    expect((await f.call('PUT', '/connector-plugins/file-source/config/validate', '{not json', AUTH)).body.message).toMatch(/body: not JSON/);
  });

  it('needs the token for every request when bound beyond loopback', async () => {
    const s = await startManagementServer({ client: f.client, port: 0, host: '0.0.0.0', token: 'another-token-0123456789' });
    onCleanup(() => s.close());
    const url = `http://127.0.0.1:${s.port}/api/topics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer another-token-0123456789' } })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${s.port}/api/live`)).status).toBe(401);
    // The page itself carries no data; it asks for the token.
    expect((await fetch(`http://127.0.0.1:${s.port}/`)).status).toBe(200);
  });

  it("takes the broker's SASL users as HTTP Basic credentials in place of the token", async () => {
    // alice as a password line of a users file, bob as stored SCRAM hashes (`sluice broker hash-user`).
    const bob = credentialsFromEntry(formatCredential(scramCredential('SCRAM-SHA-512', 'b0b-secret-pass')));
    const users = new Map([
      ['alice', credentialsFromEntry('wonderland-pass')],
      ['bob', bob],
    ]);
    const s = await startManagementServer({ client: f.client, port: 0, host: '0.0.0.0', token: 'another-token-0123456789', users });
    onCleanup(() => s.close());
    const url = `http://127.0.0.1:${s.port}/api/topics`;
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    expect((await fetch(url, { headers: basic('alice', 'wonderland-pass') })).status).toBe(200);
    expect((await fetch(url, { headers: basic('bob', 'b0b-secret-pass') })).status).toBe(200);
    const wrong = await fetch(url, { headers: basic('alice', 'not-her-pass') });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as any).message).toBe('wrong user or password');
    expect((await fetch(url, { headers: basic('mallory', 'wonderland-pass') })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Basic not-base64-with-a-colon' } })).status).toBe(401);
    // A write as a user, and the token still works beside them.
    const made = await fetch(url, { method: 'POST', headers: { ...basic('bob', 'b0b-secret-pass'), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'made-by-bob' }) });
    expect(made.status).toBe(201);
    expect((await fetch(url, { headers: { authorization: 'Bearer another-token-0123456789' } })).status).toBe(200);
    const doc = (await (await fetch(`http://127.0.0.1:${s.port}/api/openapi.json`, { headers: basic('alice', 'wonderland-pass') })).json()) as any;
    expect(doc.components.securitySchemes.basic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(doc.paths['/api/topics'].post.security).toEqual([{ bearer: [] }, { basic: [] }]);
    // Without users (sluice run, connect, ui), Basic is not a credential.
    expect((await f.call('PUT', '/connectors/ticker/pause', undefined, basic('alice', 'wonderland-pass'))).status).toBe(401);
  });

  it('serves the console with a policy that runs only its own scripts', async () => {
    const page = await fetch(`${f.base}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toMatch(/<div id="app">/);
    expect((await fetch(`${f.base}/assets/../../package.json`)).status).not.toBe(200);
  });
});
