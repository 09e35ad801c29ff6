/**
 * The command line itself: every command and subcommand answers --help from the definitions the
 * parser reads (so every option it accepts is listed, and nothing else); --version; and every bad
 * value is refused with one line on stderr naming the option, exit code 2, before anything is
 * touched. Before this, `--partitions -1`, a bare `--group` and `demo --rate -5` printed a Node
 * stack trace, and `sluice topics --help` was an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allCommands, helpText, parse, type Options } from '../../cli/args.js';
import { main, root } from '../../cli/main.js';
import { repoRoot, tempDir } from '../support/tmp.js';
import { all, sluice } from './run-cli.js';

const dir = tempDir('cli-options');

describe('--help and --version', () => {
  it('every command and subcommand has --help listing exactly the options its parser takes', () => {
    const commands = allCommands(root);
    expect(commands.map((c) => c.path.join(' '))).toEqual(
      expect.arrayContaining([
        'sluice topics create',
        'sluice topics alter',
        'sluice topics add-partitions',
        'sluice groups reset-offsets',
        'sluice groups delete',
        'sluice connectors list',
        'sluice connectors describe',
        'sluice run',
        'sluice connect',
        'sluice broker',
        'sluice demo',
      ]),
    );
    for (const { command, path: p } of commands) {
      const parsed = parse(root, [...p.slice(1), '--help']);
      expect(parsed.help, p.join(' ')).toBe(true);
      expect(parsed.command).toBe(command);
      const text = helpText(command, p);
      expect(text, p.join(' ')).toContain(`usage: ${p.join(' ')}`);
      const listed = [...text.matchAll(/^ {2}(?:-h, )?--([a-z-]+)/gm)].map((m) => m[1]);
      const declared = Object.keys((command.options ?? {}) as Options);
      expect(listed.sort(), p.join(' ')).toEqual([...declared, 'help'].sort());
      for (const s of command.subcommands ?? []) expect(text).toContain(`  ${s.name} `);
    }
  });

  it('prints help as a process, exit 0, and the version', async () => {
    const h = await sluice(['topics', '--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/add-partitions +grow a topic/);
    const c = await sluice(['consume', '-h']);
    expect(c.code).toBe(0);
    expect(c.out).toContain('--print-headers');
    expect(c.out).toContain('--from-timestamp MS|ISO-DATE');
    const v = await sluice(['--version']);
    expect(v.code).toBe(0);
    expect(v.out).toBe(`sluice ${JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version}\n`);
    const none = await sluice([]);
    expect(none.code).toBe(1);
    expect(none.out).toContain('usage: sluice <command>');
  });
});

describe('bad command lines: one line naming the option, exit 2', () => {
  const data = ['--data-dir', path.join(dir, 'never')];
  const cases: Array<[string[], RegExp]> = [
    [['topics', 'create', 'x', '--partitions', '-1', ...data], /--partitions must be an integer from 1 to 10000, got "-1"/],
    [['topics', 'create', 'x', ...data], /--partitions N is required/],
    [['topics', 'create', ...data], /needs NAME/],
    [['topics', 'add-partitions', 'x', '--partitions', 'many', ...data], /--partitions must be an integer/],
    [['topics', 'alter', 'x', ...data], /give at least one --config KEY=VALUE or --delete-config KEY/],
    [['topics', 'alter', 'x', '--config', 'novalue', ...data], /--config must look like KEY=VALUE, got "novalue"/],
    [['topics', 'list', '--output', 'yaml', ...data], /--output must be one of text, json, got "yaml"/],
    [['topics', 'craete'], /unknown subcommand "craete" \(did you mean create\?\)/],
    [['consume', 't', '--group', ...data], /--group needs a value \(GROUP\)/],
    [['consume', 't', '--grup', 'g', ...data], /unknown option --grup \(did you mean --group\?\)/],
    [['consume', 't', '--offset', 'soon', ...data], /--offset must be an offset N, earliest, latest or -N/],
    [['consume', 't', '--offset', '5', '--from-beginning', ...data], /give one of --from-beginning, --offset/],
    [['consume', 't', '--from-timestamp', 'yesterday', ...data], /--from-timestamp must be milliseconds since the epoch or an ISO 8601 date/],
    [['consume', 't', '--partition', '-2', ...data], /--partition must be a non-negative integer, got "-2"/],
    [['consume', 't', '--partition', '0', '--group', 'g', ...data], /--partition cannot be used with --group/],
    [['consume', 't', '--max-messages', '0', ...data], /--max-messages must be a positive integer/],
    [['consume', 't', '--format', '%x', ...data], /--format: unknown token "%x"/],
    [['consume', 't', '--format', 'json', '--print-key', ...data], /--format already says what to print; leave out --print-key/],
    [['consume', 't', '--print-key=yes', ...data], /--print-key is a flag and takes no value/],
    [['produce', 't', '--header', 'nokey', ...data], /--header must look like KEY=VALUE/],
    [['produce', 't', '--format', 'xml', ...data], /--format must be one of text, json/],
    [['produce', 't', '--format', 'json', '--key-separator', ':', ...data], /--key-separator and --null-marker are for --format text/],
    [['produce', 't', '--partition', 'one', ...data], /--partition must be a non-negative integer/],
    [['groups', 'reset-offsets', 'g', '--topic', 't', ...data], /give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by/],
    [['groups', 'reset-offsets', 'g', '--to-earliest', ...data], /give --topic TOPIC \(repeatable\) or --all-topics/],
    [['groups', 'reset-offsets', 'g', '--all-topics', '--to-offset', '-3', ...data], /--to-offset must be a non-negative integer, got "-3"/],
    [['groups', 'reset-offsets', 'g', '--all-topics', '--shift-by', 'back', ...data], /--shift-by must be an integer/],
    [['groups', 'reset-offsets', 'g', '--topic', 't:x', '--to-latest', ...data], /--topic must be TOPIC or TOPIC:P\[,P...\], got "t:x"/],
    [['groups', 'reset-offsets', 'g', '--all-topics', '--to-datetime', 'noon', ...data], /--to-datetime must be milliseconds since the epoch or an ISO 8601 date/],
    [['groups', 'list', '--brokers', 'nohost'], /--brokers must be host:port/],
    [['groups', 'list', '--brokers', '127.0.0.1:9', '--data-dir', 'x'], /give --data-dir or --brokers, not both/],
    [['demo', '--rate', '-5'], /--rate must be a positive integer, got "-5"/],
    [['demo', '--duration', '0'], /--duration must be a positive integer/],
    [['broker', '--port', '70000', ...data], /--port must be an integer from 0 to 65535, got "70000"/],
    [['broker', '--user', 'nopassword', ...data], /--user must look like NAME:PASSWORD/],
    [['broker', '--partitions', '0', ...data], /--partitions must be an integer from 1 to 10000/],
    [['run', 'app.ts', '--threads', '0'], /--threads must be an integer from 1 to 256/],
    [['run', 'app.ts', '--threads', '2', '--brokers', '127.0.0.1:9092'], /--threads runs task threads over the embedded log/],
    [['run', 'app.ts', '--metrics-port', 'http'], /--metrics-port must be an integer from 0 to 65535/],
    [['run', 'app.ts', '--log-format', 'xml'], /--log-format must be one of text, json/],
    [['connect', 'f.yaml', '--exit-when-idle', 'soon'], /--exit-when-idle must be a positive integer/],
    [['connectors', 'describe', 'file', '--kind', 'both'], /--kind must be one of source, sink/],
    [['connectors', 'describe', 'nosuch'], /no connector or transform named "nosuch"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];

  // Each case runs through main() in this process (a parse error is refused before anything runs,
  // so the process adds nothing but its start-up, about a second of CPU each); a few run as real
  // processes too, for the exit code and stderr a shell sees.
  const asProcesses = [0, 11, 22, 33];

  it('every case prints one line and touches nothing', async () => {
    const failures: string[] = [];
    for (const [args, message] of cases) {
      const r = await inProcess(args);
      if (!refusedCleanly(r, message)) failures.push(`main(${JSON.stringify(args)}) → ${r.code}, stderr:\n${r.err}\nstdout:\n${r.out}`);
    }
    await all(asProcesses.map((i) => cases[i]!), async ([args, message]) => {
      const r = await sluice(args);
      if (!refusedCleanly(r, message)) failures.push(`sluice ${args.join(' ')} → exit ${r.code}, stderr:\n${r.err}\nstdout:\n${r.out}`);
    });
    expect(failures).toEqual([]);
    // Nothing was created by a refused command.
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  }, 240_000);
});

/** One line on stderr matching `message`, exit code 2, no stack trace, nothing on stdout. */
function refusedCleanly(r: { code: number | null; out: string; err: string }, message: RegExp): boolean {
  const lines = r.err.trimEnd().split('\n');
  return r.code === 2 && lines.length === 1 && message.test(lines[0]!) && !/\n\s+at /.test(r.err) && r.out === '';
}

/** `main(args)` with what it writes to stdout and stderr captured. */
async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((err += chunk.toString()), true)) as typeof process.stderr.write;
  try {
    return { code: await main(args), out, err };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}
