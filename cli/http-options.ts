/**
 * --http-port, --http-host and --ui: the management API and the console, for the commands that
 * serve them (broker, run, connect; `sluice ui` always does). The token comes from
 * SLUICE_HTTP_TOKEN or --http-token-file (never a flag's value: `ps` shows those), else a random
 * one is made and the console's URL is printed with it.
 */
import fs from 'node:fs';
import type { Options } from './args.js';
import { InvalidConfigError } from '../core/errors.js';
import type { LogClient } from '../core/client/types.js';
import type { ManagedApp } from '../api/context.js';
import type { ManagementServer } from '../api/server.js';
import type { ApiUsers } from '../api/security.js';
import { port } from './values.js';

export const DEFAULT_HTTP_PORT = 8080;

export const httpOptions = {
  'http-port': { arg: 'PORT', parse: port, help: `serve the management API (and, with --ui, the console) on this port (default ${DEFAULT_HTTP_PORT} with --ui)` },
  'http-host': { arg: 'HOST', default: '127.0.0.1', help: 'address of the API and console; beyond loopback every request needs the token' },
  'http-token-file': { arg: 'FILE', help: 'the API token (first line of FILE; or SLUICE_HTTP_TOKEN); default: a random one, printed with the console URL' },
  ui: { help: 'serve the web console at http://HOST:PORT/ (docs/console.md)' },
} satisfies Options;

export interface HttpValues {
  'http-port'?: number;
  'http-host': string;
  'http-token-file'?: string;
  ui: boolean;
}

export function wantsHttp(v: HttpValues): boolean {
  return v.ui || v['http-port'] !== undefined;
}

function tokenFrom(v: HttpValues): string | undefined {
  if (v['http-token-file']) {
    try {
      return fs.readFileSync(v['http-token-file'], 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (err) {
      throw new InvalidConfigError(`--http-token-file ${v['http-token-file']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return process.env.SLUICE_HTTP_TOKEN || undefined;
}

/** Starts the server when the options ask for it and says where it is on stderr (stdout is the command's). */
export async function startHttp(v: HttpValues, client: LogClient, app?: ManagedApp, ui = v.ui, users?: ApiUsers): Promise<ManagementServer | undefined> {
  if (!wantsHttp(v) && !ui) return undefined;
  const { startManagementServer } = await import('../api/server.js');
  const token = tokenFrom(v);
  const s = await startManagementServer({ client, app, port: v['http-port'] ?? DEFAULT_HTTP_PORT, host: v['http-host'], token, ui, users });
  const where = ui ? `console ${token ? s.url : s.consoleUrl}` : `management API ${s.url}api (token: ${token ? 'as given' : s.token})`;
  process.stderr.write(`sluice: ${where}\n`);
  return s;
}

/** The part of an App the API manages and its log, when the app is an in-process App (not a threaded one). */
export function managedApp(a: unknown): (ManagedApp & { client: LogClient }) | undefined {
  return a && typeof (a as ManagedApp).connectorInfo === 'function' && (a as { client?: unknown }).client ? (a as ManagedApp & { client: LogClient }) : undefined;
}
