/**
 * Who may call the management API. Bound to a loopback address, reads are open to local
 * processes and every write needs the token; bound anywhere else, every API request needs it.
 * The token travels only in the Authorization header (never a cookie), so another site open in the
 * same browser cannot make a request that carries it (CSRF); on loopback the Host header must name
 * a loopback host too, so a page on a rebound DNS name cannot read the API either.
 *
 * `sluice broker` also accepts its SASL users (their salted, hashed SCRAM credentials) as HTTP Basic
 * credentials in place of the token: a password is checked by deriving its key (PBKDF2), and a
 * header that passed is remembered, by its hash, for a minute so a page's requests do not each pay
 * the derivation.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { HttpError } from './http-errors.js';
import { checkUserPassword, scramCredential, type UserCredentials } from '../core/broker/scram.js';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h.endsWith('.localhost');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function hostOf(header: string | undefined): string {
  if (!header) return '';
  return header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.replace(/:\d+$/, '');
}

/** SASL users: name → stored credentials (the broker's users, core/broker/scram.ts). */
export type ApiUsers = ReadonlyMap<string, UserCredentials>;

/** Checked for unknown users too, so that a wrong name takes as long as a wrong password. */
let nobody: UserCredentials | undefined;
const REMEMBER_MS = 60_000;

export class AccessPolicy {
  private readonly expected: Buffer;
  /** Basic headers that passed (sha-256, hex) → until when they are taken without a check. */
  private readonly passed = new Map<string, number>();

  constructor(
    readonly token: string,
    readonly loopback: boolean,
    private readonly users?: ApiUsers,
  ) {
    this.expected = digest(token);
  }

  /** Throws 403 for a Host (DNS rebinding) or Origin (another site) that may not call. */
  checkOrigin(req: http.IncomingMessage, write: boolean): void {
    if (this.loopback && !isLoopbackHost(hostOf(req.headers.host))) throw new HttpError(403, `Host "${req.headers.host ?? ''}" is not a loopback name; this server answers only requests for 127.0.0.1, localhost or [::1]`);
    const origin = req.headers.origin;
    if (write && origin && origin !== 'null') {
      let originHost = '';
      try {
        originHost = new URL(origin).host;
      } catch {
        /* an Origin that is not a URL matches nothing */
      }
      if (originHost !== req.headers.host) throw new HttpError(403, `a write from another origin (${origin}) is refused`);
    }
  }

  /** Throws 401 unless the request carries the token where it must. */
  checkToken(req: http.IncomingMessage, write: boolean): void {
    if (!write && this.loopback) return;
    const header = req.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (basic && this.users) return this.checkUser(basic[1]!);
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const users = this.users ? ' (or a SASL user of the broker: Authorization: Basic)' : '';
    if (!m) throw new HttpError(401, write ? `writes need the token: Authorization: Bearer <token> (printed when the server started)${users}` : `this server listens beyond loopback: every request needs Authorization: Bearer <token>${users}`);
    if (!timingSafeEqual(digest(m[1]!), this.expected)) throw new HttpError(401, 'wrong token');
  }

  private checkUser(encoded: string): void {
    const key = digest(encoded).toString('hex');
    const now = Date.now();
    if ((this.passed.get(key) ?? 0) > now) return;
    const text = Buffer.from(encoded, 'base64').toString('utf8');
    const at = text.indexOf(':');
    const creds = at > 0 ? this.users!.get(text.slice(0, at)) : undefined;
    nobody ??= { 'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', 'sluice-nobody') };
    const good = checkUserPassword(creds ?? nobody, at > 0 ? text.slice(at + 1) : '');
    if (!creds || !good) throw new HttpError(401, 'wrong user or password');
    if (this.passed.size > 1000) this.passed.clear();
    this.passed.set(key, now + REMEMBER_MS);
  }
}
