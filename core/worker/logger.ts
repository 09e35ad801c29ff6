/** Structured logs: one JSON object per line on stderr, with a level threshold. */
import type { Logger } from '../log/types.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** Set in a threadedApp's task thread: every line it logs says which thread (0 … N − 1). */
let threadIndex: number | undefined;
export function tagLogsWithThread(index: number): void {
  threadIndex = index;
}

export function createLogger(opts: { name?: string; level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const threshold = LEVELS[opts.level ?? ((process.env.SLUICE_LOG_LEVEL as LogLevel | undefined) ?? 'info')] ?? LEVELS.info;
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, ...(opts.name ? { name: opts.name } : {}), ...(threadIndex === undefined ? {} : { thread: threadIndex }), msg, ...fields }) + '\n');
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
