/**
 * `sluice <command> ...`: each command lives in cli/commands/<name>.ts and exports
 * `run(args: string[]): Promise<number>` (the exit code) and `usage` (one line of help).
 * Commands are imported lazily so `sluice consume` does not load Postgres drivers.
 */
import { SluiceError } from '../core/errors.js';
import { AppStoppedError } from '../core/worker/errors.js';

const commands: Record<string, () => Promise<{ run(args: string[]): Promise<number>; usage: string }>> = {
  topics: () => import('./commands/topics.js'),
  produce: () => import('./commands/produce.js'),
  consume: () => import('./commands/consume.js'),
  groups: () => import('./commands/groups.js'),
  connect: () => import('./commands/connect.js'),
  run: () => import('./commands/run.js'),
  demo: () => import('./commands/demo.js'),
  broker: () => import('./commands/broker.js'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await help());
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`sluice: unknown command "${name}"\n\n${await help()}`);
    return 2;
  }
  try {
    const cmd = await load();
    return await cmd.run(rest);
  } catch (err) {
    // Ctrl-C or SIGTERM while the app was starting: a stop, like one while it runs.
    if (err instanceof AppStoppedError) return 0;
    if (err instanceof SluiceError) {
      process.stderr.write(`sluice ${name}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`sluice ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

async function help(): Promise<string> {
  const lines = ['usage: sluice <command> [options]', ''];
  for (const [name, load] of Object.entries(commands)) {
    try {
      lines.push(`  ${(await load()).usage}`);
    } catch {
      lines.push(`  ${name}`);
    }
  }
  return lines.join('\n') + '\n';
}
