/**
 * sluice ui: the web console and the management API over a log — a Kafka cluster or a running
 * `sluice broker` (--brokers), or an embedded log no process holds (--data-dir) — until Ctrl-C.
 * An app's own connectors and pipelines are managed from its process: `sluice run|connect --ui`.
 */
import { command } from '../args.js';
import { checkLogChoice, clientFromCliOptions, logOptions } from '../options.js';
import { httpOptions, startHttp } from '../http-options.js';

const { ui: _ui, ...serverOptions } = httpOptions;

export const ui = command({
  name: 'ui',
  summary: 'serve the web console and management API over a log (Kafka, a sluice broker, or a data directory)',
  options: { ...serverOptions, ...logOptions },
  description: 'Opens on http://127.0.0.1:8080/ by default. What the console and the API offer: docs/console.md.',
  examples: ['sluice ui --brokers 127.0.0.1:9092', 'sluice ui --data-dir ./data --http-port 9000'],
  async run(v) {
    checkLogChoice(v);
    const client = await clientFromCliOptions(v);
    try {
      await client.connect();
      const server = await startHttp({ ...v, ui: true }, client, undefined, true);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server?.close();
      return 0;
    } finally {
      await client.close();
    }
  },
});
