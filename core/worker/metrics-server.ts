/** The HTTP server of an app's /metrics (Prometheus text) and /health, shared by App and ThreadedApp. */
import http from 'node:http';

export interface MetricsEndpoints {
  /** The Prometheus text exposition. */
  render(): string | Promise<string>;
  /** /health: 200 with `{ status: 'up', ... }` while up, 503 otherwise. */
  health(): { up: boolean; body: Record<string, unknown> };
}

export async function startMetricsServer(port: number, host: string, endpoints: MetricsEndpoints): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      Promise.resolve()
        .then(() => endpoints.render())
        .then(
          (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
          (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e)),
        );
    } else if (req.url === '/health') {
      const h = endpoints.health();
      res.writeHead(h.up ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h.body));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** The address a started server listens on. */
export function serverAddress(server: http.Server | undefined): { host: string; port: number } | undefined {
  const a = server?.address();
  return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
}
