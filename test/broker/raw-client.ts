/**
 * A raw Kafka-protocol client for tests: one socket, requests encoded and responses decoded with
 * the broker's own schemas (test/broker/versions.test.ts checks those against the advertised
 * versions; real clients check them against the wire).
 */
import net from 'node:net';
import { apiHandler } from '../../core/broker/api.js';
import '../../core/broker/apis/index.js';
import { Reader } from '../../core/broker/wire.js';
import { requestFrame } from './frames.js';

export class RawClient {
  private socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private waiting: Array<(frame: Buffer | null) => void> = [];
  private correlation = 1;
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const f = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        this.waiting.shift()?.(f);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends a request of `key` in `version` and decodes the answer; throws when the broker closes the connection. */
  async request<T = any>(key: number, version: number, value: object): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const schema = apiHandler(key)!.schema;
    const id = this.correlation++;
    const answer = new Promise<Buffer | null>((resolve) => this.waiting.push(resolve));
    this.socket.write(requestFrame(key, version, id, value, 'raw-client').buf);
    const f = await answer;
    if (!f) throw new Error(`the broker closed the connection on ${schema.name} v${version}`);
    if (f.readInt32BE(0) !== id) throw new Error(`correlation id ${f.readInt32BE(0)}, expected ${id}`);
    const r = new Reader(f, 4);
    if (version >= schema.flexibleFrom && key !== 18) r.uvarint();
    return schema.response.read(r, version) as T;
  }

  close(): void {
    this.socket.destroy();
  }
}
