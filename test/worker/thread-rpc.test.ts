/**
 * The calls between a task thread and the log's thread (over a real MessageChannel): core errors
 * come back as their own class with their fields (the consumer's retention path needs
 * `instanceof OffsetOutOfRangeError`), Buffers come back as Buffers, a Transfer moves its bytes
 * instead of copying them, metadata rides along with replies, and a closed port fails pending calls.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetOutOfRangeError, SluiceError } from '../../core/errors.js';
import { RpcClient, serveRpc, Transfer } from '../../core/worker/threads/rpc.js';

describe('thread RPC', () => {
  const open: MessageChannel[] = [];
  afterEach(() => {
    for (const ch of open.splice(0)) {
      ch.port1.close();
      ch.port2.close();
    }
  });

  function pair(handlers: Parameters<typeof serveRpc>[1], meta?: () => unknown) {
    const ch = new MessageChannel();
    open.push(ch);
    serveRpc(ch.port1, handlers, meta);
    const metas: unknown[] = [];
    const client = new RpcClient(ch.port2, (m) => metas.push(m));
    return { ch, client, metas };
  }

  it('rebuilds core errors as their class, revives Buffers, transfers Transfer buffers and delivers metadata', async () => {
    const sent = Buffer.allocUnsafeSlow(4).fill(7);
    let version = 0;
    const { client, metas } = pair(
      {
        outOfRange: () => {
          throw new OffsetOutOfRangeError('events', 2, 5, 10);
        },
        plain: () => {
          throw new TypeError('not a core error');
        },
        echo: (x) => x,
        bytes: () => new Transfer({ bytes: sent }, [sent.buffer]),
        bump: () => void version++,
      },
      () => (version > 0 ? { version } : undefined),
    );

    const err = await client.call('outOfRange', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', topic: 'events', partition: 2, offset: 5, logStartOffset: 10, retriable: false });
    expect((err as Error).message).toContain('below the log start offset 10');

    const plain = await client.call('plain', []).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
    expect((plain as Error).name).toBe('TypeError');
    expect((plain as Error).message).toBe('not a core error');
    await expect(client.call('nope', [])).rejects.toThrow('no RPC method "nope"');

    const echoed = await client.call<{ key: Buffer; list: Buffer[] }>('echo', [{ key: Buffer.from('k'), list: [Buffer.from('a'), Buffer.from('b')] }]);
    expect(Buffer.isBuffer(echoed.key)).toBe(true);
    expect(echoed.list.every((b) => Buffer.isBuffer(b))).toBe(true);
    expect(Buffer.concat([echoed.key, ...echoed.list]).toString()).toBe('kab');

    const got = await client.call<{ bytes: Buffer }>('bytes', []);
    expect(Buffer.isBuffer(got.bytes)).toBe(true);
    expect([...got.bytes]).toEqual([7, 7, 7, 7]);
    expect(sent.buffer.byteLength).toBe(0); // moved, not copied

    expect(metas).toEqual([]);
    await client.call('bump', []);
    expect(metas).toEqual([{ version: 1 }]);
  });

  it('fails pending calls when the port closes', async () => {
    const { ch, client } = pair({ never: () => new Promise(() => {}) });
    const pending = client.call('never', []);
    ch.port1.close();
    await expect(pending).rejects.toThrow('closed its port');
    await expect(client.call('never', [])).rejects.toThrow('closed');
  });
});
