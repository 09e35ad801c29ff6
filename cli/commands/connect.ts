/**
 * sluice connect FILE: runs the sources and sinks of a YAML or JSON file (connectors/connect-file)
 * until SIGINT/SIGTERM, or with --exit-when-idle until every source has been idle for MS and every
 * sink has committed everything; --validate checks the file without running anything.
 */
import { command } from '../args.js';
import { applyLogOptions, logFormatOptions } from '../options.js';
import { print } from '../output.js';
import { integer, port } from '../values.js';
import { httpOptions, wantsHttp } from '../http-options.js';

export const connect = command({
  name: 'connect',
  summary: 'run the sources and sinks of a connect file (Kafka Connect standalone)',
  args: [{ name: 'FILE' }],
  options: {
    validate: { help: 'check the file (schema, connectors, their configs, transforms, environment references) and exit; starts nothing' },
    'exit-when-idle': { arg: 'MS', parse: integer(1), help: 'stop once every source has been idle for MS and every sink has committed up to the end of its topics' },
    'metrics-port': { arg: 'PORT', parse: port, help: 'serve /metrics (Prometheus) and /health on this port (overrides the file\'s metricsPort)' },
    ...httpOptions,
    ...logFormatOptions,
  },
  description:
    'The file names the log (dataDir: or brokers:), the sources with their topics and the sinks with theirs; see docs/connectors.md. Relative paths in it are relative to the file. Values may read the environment: ${env:NAME} or ${env:NAME:-default}.',
  examples: ['sluice connect examples/etl/etl.yaml --exit-when-idle 2000', 'sluice connect pipeline.yaml --validate', 'sluice connect pipeline.yaml --ui      # the console at http://127.0.0.1:8080/'],
  async run(v, [file]) {
    applyLogOptions(v);
    const { loadConnectFile, buildConnectApp } = await import('../../connectors/connect-file/index.js');
    const loaded = await loadConnectFile(file!);
    if (v.validate) {
      const src = loaded.sources.map((s) => `  source ${s.name} (${s.definition.name}) → ${s.topic}${s.transforms.length ? ` [${s.transforms.map((t) => t.type).join(', ')}]` : ''}`);
      const snk = loaded.sinks.map((s) => `  sink ${s.name} (${s.definition.name}) ← ${s.topics.join(', ')}${s.transforms.length ? ` [${s.transforms.map((t) => t.type).join(', ')}]` : ''}`);
      const log = loaded.config.brokers ? `brokers ${loaded.config.brokers.join(',')}` : `data directory ${loaded.config.dataDir ?? './.sluice'}`;
      print([`${file}: valid — app "${loaded.config.app}" on ${log}`, ...src, ...snk].join('\n') + '\n');
      return 0;
    }
    // Connectors resolve their relative paths (a file source's glob, a file sink's dir) against
    // the working directory: make it the file's.
    process.chdir(loaded.dir);
    const { runApp } = await import('../run-app.js');
    // Served over HTTP, a failed connector is FAILED with its trace and restarted through the API,
    // as in Kafka Connect; otherwise (nobody could see or restart it, or a run that must end) the
    // process fails and exits.
    const connectorFailure = wantsHttp(v) && v['exit-when-idle'] === undefined ? 'connector' : 'app';
    const a = await buildConnectApp(loaded, { metricsPort: v['metrics-port'], connectorFailure });
    return runApp(a, { exitWhenIdleMs: v['exit-when-idle'], http: v });
  },
});
