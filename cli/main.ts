/**
 * `sluice <command> ...`: the commands are declared in cli/commands/<name>.ts (options, arguments,
 * help and the function that runs them) and parsed by cli/args.ts, which also writes every
 * `--help` from the same declarations. A command resolves to its exit code.
 *
 * Exit codes: 0 done, 1 the command failed (one line on stderr naming why), 2 the command line is
 * wrong (one line naming the option or argument).
 */
import fs from 'node:fs';
import { SluiceError } from '../core/errors.js';
import { AppStoppedError } from '../core/worker/errors.js';
import { command, helpText, parse, UsageError } from './args.js';
import { broker } from './commands/broker.js';
import { connect } from './commands/connect.js';
import { connectors } from './commands/connectors.js';
import { consume } from './commands/consume.js';
import { demo } from './commands/demo.js';
import { groups } from './commands/groups.js';
import { produce } from './commands/produce.js';
import { run } from './commands/run.js';
import { topics } from './commands/topics.js';
import { ui } from './commands/ui.js';

export const root = command({
  name: 'sluice',
  summary: 'Stream processing for TypeScript: an embedded Kafka-format log, an RxJS DSL, connectors, and a worker with at-least-once commits.',
  options: { version: { help: 'print the version of Sluice' } },
  subcommands: [topics, produce, consume, groups, run, connect, connectors, broker, ui, demo],
});

export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    process.stdout.write(`sluice ${version()}\n`);
    return 0;
  }
  let where = 'sluice';
  try {
    const p = parse(root, argv);
    where = p.path.join(' ');
    if (p.help || !p.command.run) {
      process.stdout.write(helpText(p.command, p.path));
      // `sluice` alone is a mistake of sorts (help, exit 1); asking for help is not.
      return argv.length === 0 ? 1 : 0;
    }
    return await p.command.run(p.values as never, p.args, { path: where });
  } catch (err) {
    // Ctrl-C or SIGTERM while the app was starting: a stop, like one while it runs.
    if (err instanceof AppStoppedError) return 0;
    if (err instanceof UsageError) {
      const w = err.where ?? where;
      process.stderr.write(`${w}: ${err.message} (see "${w} --help")\n`);
      return 2;
    }
    if (err instanceof SluiceError) {
      process.stderr.write(`${where}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
