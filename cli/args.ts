/**
 * The CLI's one description of every command: its arguments, its options (name, value placeholder,
 * default, help, parser) and its subcommands. The parser and `--help` both read these definitions,
 * so the usage printed cannot drift from what the parser accepts.
 *
 * Parsing rules (getopt's, as kafka's scripts and kcat take them): `--name value` or `--name=value`
 * for an option with a value — the next argument is its value even when it starts with "-", so
 * `--offset -5` and `--partitions -1` reach the option's parser, which names the option in its
 * error; `--flag` for a boolean; `--` ends the options; `-h`/`--help` anywhere prints the help.
 * Every mistake is a UsageError: one line naming the option, exit code 2.
 */
import { SluiceError } from '../core/errors.js';
import { didYouMean as suggestion } from '../core/util/closest-name.js';

/** A command line the parser or an option's value parser refuses (exit code 2). */
export class UsageError extends SluiceError {
  constructor(
    message: string,
    /** The command it concerns ("sluice topics create"), when known. */
    readonly where?: string,
  ) {
    super('USAGE', message);
  }
}

export interface OptionDef<T = unknown> {
  /** Placeholder of the value in help (`N`, `DIR`); an option without one is a boolean flag. */
  arg?: string;
  help: string;
  /** Repeatable: the values come as an array. */
  multiple?: boolean;
  /** Raw default, shown in help and parsed like a given value. */
  default?: string;
  /** Turns the raw text into the value; throws UsageError naming `flag` when it is wrong. */
  parse?: (raw: string, flag: string) => T;
  /** Shown in help as "(required)" and checked by the parser. */
  required?: boolean;
}

export type Options = Record<string, OptionDef>;

type ValueOf<D> = D extends { parse: (raw: string, flag: string) => infer R } ? R : D extends { arg: string } ? string : boolean;
type Present<D> = D extends { default: string } ? true : D extends { required: true } ? true : D extends { arg: string } ? false : true;

/** The parsed values of an option set: repeatable options are arrays, flags booleans. */
export type Values<O extends Options> = {
  -readonly [K in keyof O]: O[K] extends { multiple: true } ? ValueOf<O[K]>[] : Present<O[K]> extends true ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

export interface ArgDef {
  name: string;
  optional?: boolean;
  /** Takes the rest of the arguments. */
  rest?: boolean;
}

export interface Command<O extends Options = Options> {
  name: string;
  summary: string;
  /** Positional arguments, in order. */
  args?: ArgDef[];
  options?: O;
  /** Paragraphs shown after the usage line in --help. */
  description?: string;
  /** Example command lines shown at the end of --help. */
  examples?: string[];
  subcommands?: AnyCommand[];
  run?: (values: Values<O>, args: string[], ctx: CommandContext) => Promise<number>;
}

export interface CommandContext {
  /** "sluice topics create": how this command is called, for messages. */
  path: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any>;

/** Declares a command; the function only carries the option types through. */
export function command<O extends Options>(c: Command<O>): Command<O> {
  return c;
}

const HELP: OptionDef = { help: 'show this help' };

export interface Parsed {
  command: AnyCommand;
  path: string[];
  values: Record<string, unknown>;
  args: string[];
  help: boolean;
}

/** Finds the (sub)command the arguments name and parses its options and arguments. */
export function parse(root: AnyCommand, argv: string[]): Parsed {
  const path = [root.name];
  try {
    return parseAt(root, argv, path);
  } catch (err) {
    if (err instanceof UsageError && err.where === undefined) throw new UsageError(err.message, path.join(' '));
    throw err;
  }
}

function parseAt(root: AnyCommand, argv: string[], path: string[]): Parsed {
  let cmd = root;
  let i = 0;
  while (cmd.subcommands && i < argv.length && !argv[i]!.startsWith('-')) {
    const sub = cmd.subcommands.find((s) => s.name === argv[i]);
    if (!sub) throw new UsageError(`unknown ${path.length === 1 ? 'command' : 'subcommand'} "${argv[i]}"${suggestion(argv[i]!, cmd.subcommands.map((s) => s.name))}`);
    cmd = sub;
    path.push(sub.name);
    i++;
  }
  const rest = argv.slice(i);
  const stop = rest.indexOf('--');
  const beforeStop = stop < 0 ? rest : rest.slice(0, stop);
  if (beforeStop.includes('--help') || beforeStop.includes('-h')) return { command: cmd, path, values: {}, args: [], help: true };
  if (cmd.subcommands && !cmd.run) {
    if (rest.length === 0) return { command: cmd, path, values: {}, args: [], help: true };
    throw new UsageError(`expected a ${path.length === 1 ? 'command' : 'subcommand'} (${cmd.subcommands.map((s) => s.name).join(', ')}), got "${rest[0]}"`);
  }
  const defs: Options = cmd.options ?? {};
  const raw = new Map<string, string[]>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let j = 0; j < rest.length; j++) {
    const a = rest[j]!;
    if (a === '--') {
      positionals.push(...rest.slice(j + 1));
      break;
    }
    if (!a.startsWith('--') || a === '--') {
      if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) throw new UsageError(`unknown option ${a}${suggestion(a.replace(/^-+/, ''), Object.keys(defs), '--')}`);
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const def = defs[name];
    if (!def) throw new UsageError(`unknown option --${name}${suggestion(name, Object.keys(defs), '--')}`);
    if (!def.arg) {
      if (eq >= 0) throw new UsageError(`--${name} is a flag and takes no value`);
      flags.add(name);
      continue;
    }
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      // The next argument is the value even when it starts with "-" (--offset -5), but not an
      // option: a bare --group before --data-dir is a forgotten value, not a group named "--data-dir".
      if (j + 1 >= rest.length || (rest[j + 1]!.startsWith('--') && rest[j + 1]!.length > 2)) throw new UsageError(`--${name} needs a value (${def.arg})`);
      value = rest[++j]!;
    }
    if (!def.multiple && raw.has(name)) throw new UsageError(`--${name} is given twice`);
    raw.set(name, [...(raw.get(name) ?? []), value]);
  }
  const args = cmd.args ?? [];
  const required = args.filter((d) => !d.optional && !d.rest).length;
  if (positionals.length < required) throw new UsageError(`needs ${args[positionals.length]!.name}`);
  if (!args.some((d) => d.rest) && positionals.length > args.length) throw new UsageError(`unexpected argument "${positionals[args.length]}"`);
  const values: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) {
    const flag = `--${name}`;
    if (!def.arg) {
      values[name] = flags.has(name);
      continue;
    }
    const given = raw.get(name) ?? (def.default !== undefined ? [def.default] : []);
    if (given.length === 0 && def.required) throw new UsageError(`${flag} ${def.arg} is required`);
    const parsed = given.map((v) => (def.parse ? def.parse(v, flag) : v));
    values[name] = def.multiple ? parsed : parsed[0];
  }
  return { command: cmd, path, values, args: positionals, help: false };
}

/** The --help text of a command, from the same definitions the parser reads. */
export function helpText(cmd: AnyCommand, path: string[]): string {
  const name = path.join(' ');
  const lines: string[] = [];
  if (cmd.subcommands && !cmd.run) {
    lines.push(`usage: ${name} <${path.length === 1 ? 'command' : 'subcommand'}> [options]`, '', cmd.summary, '');
    lines.push(path.length === 1 ? 'commands:' : 'subcommands:');
    const width = Math.max(...cmd.subcommands.map((s) => s.name.length)) + 2;
    for (const s of cmd.subcommands) lines.push(`  ${s.name.padEnd(width)}${s.summary}`);
    lines.push('', 'options:', ...optionLines((cmd.options ?? {}) as Options, true));
    lines.push('', `Run "${name} <${path.length === 1 ? 'command' : 'subcommand'}> --help" for its options.`);
    return lines.join('\n') + '\n';
  }
  const args = (cmd.args ?? []).map((a) => (a.optional || a.rest ? `[${a.name}${a.rest ? '...' : ''}]` : a.name));
  const required = Object.entries((cmd.options ?? {}) as Options).filter(([, d]) => d.required).map(([n, d]) => `--${n} ${d.arg}`);
  lines.push(`usage: ${[name, ...args, ...required, '[options]'].join(' ')}`, '', cmd.summary);
  if (cmd.description) lines.push('', cmd.description.trim());
  lines.push('', 'options:', ...optionLines((cmd.options ?? {}) as Options, true));
  if (cmd.subcommands?.length) {
    const width = Math.max(...cmd.subcommands.map((s) => s.name.length)) + 2;
    lines.push('', 'subcommands:', ...cmd.subcommands.map((s) => `  ${s.name.padEnd(width)}${s.summary}`));
  }
  if (cmd.examples?.length) lines.push('', 'examples:', ...cmd.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

function optionLines(options: Options, withHelp: boolean): string[] {
  const entries: Array<[string, OptionDef]> = Object.entries(options);
  if (withHelp) entries.push(['help', HELP]);
  const left = entries.map(([n, d]) => `${n === 'help' ? '-h, ' : ''}--${n}${d.arg ? ` ${d.arg}` : ''}`);
  const width = Math.min(28, Math.max(...left.map((l) => l.length)) + 2);
  return entries.map(([, d], i) => {
    const notes = [d.required ? 'required' : '', d.default !== undefined ? `default: ${d.default}` : '', d.multiple ? 'repeatable' : ''].filter(Boolean);
    const text = `${d.help}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    const l = left[i]!;
    return l.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${text}` : `  ${l.padEnd(width)}${text}`;
  });
}

/** Every command and subcommand under `root`, with its path (for tests and docs). */
export function allCommands(root: AnyCommand, path: string[] = [root.name]): Array<{ command: AnyCommand; path: string[] }> {
  return [{ command: root, path }, ...(root.subcommands ?? []).flatMap((s) => allCommands(s, [...path, s.name]))];
}
