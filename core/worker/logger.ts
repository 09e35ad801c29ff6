/**
 * Structured logs on stderr with a level threshold: one JSON object per line for machines (when
 * stderr is piped or redirected, or SLUICE_LOG_FORMAT=json), a readable line for people on a
 * terminal (or SLUICE_LOG_FORMAT=text): `12:03:04.567 INFO  app-name  message  key=value …`.
 */
import type { Logger } from '../log/types.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;
export type LogFormat = 'json' | 'text';

/** Set in a threadedApp's task thread: every line it logs says which thread (0 … N − 1). */
let threadIndex: number | undefined;
export function tagLogsWithThread(index: number): void {
  threadIndex = index;
}

/** The format when none is given: SLUICE_LOG_FORMAT, else text on a terminal and JSON otherwise. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  const env = process.env.SLUICE_LOG_FORMAT;
  if (env === 'json' || env === 'text') return env;
  return stream.isTTY ? 'text' : 'json';
}

type Line = { time: Date; level: Exclude<LogLevel, 'silent'>; name?: string; thread?: number; msg: string; fields?: Record<string, unknown> };

export function formatJson(l: Line): string {
  return JSON.stringify({ time: l.time.toISOString(), level: l.level, ...(l.name ? { name: l.name } : {}), ...(l.thread === undefined ? {} : { thread: l.thread }), msg: l.msg, ...l.fields });
}

function fieldText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v) ?? String(v);
}

export function formatText(l: Line): string {
  const time = l.time.toISOString().slice(11, 23);
  const who = [l.name, l.thread === undefined ? undefined : `thread ${l.thread}`].filter(Boolean).join(' ');
  const fields = Object.entries(l.fields ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${fieldText(v)}`)
    .join(' ');
  return [time, l.level.toUpperCase().padEnd(5), who, l.msg, fields].filter((x) => x !== '').join('  ');
}

export function createLogger(opts: { name?: string; level?: LogLevel; format?: LogFormat; write?: (line: string) => void } = {}): Logger {
  const threshold = LEVELS[opts.level ?? ((process.env.SLUICE_LOG_LEVEL as LogLevel | undefined) ?? 'info')] ?? LEVELS.info;
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const format = (opts.format ?? defaultLogFormat()) === 'text' ? formatText : formatJson;
  const emit = (level: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    write(format({ time: new Date(), level, name: opts.name, thread: threadIndex, msg, fields }) + '\n');
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
