/**
 * Who may call the management API. Bound to a loopback address, reads are open to local
 * processes and every write needs the token; bound anywhere else, every API request needs it.
 * The token travels only in the Authorization header (never a cookie), so another site open in the
 * same browser cannot make a request that carries it (CSRF); on loopback the Host header must name
 * a loopback host too, so a page on a rebound DNS name cannot read the API either.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { HttpError } from './http-errors.js';

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

export class AccessPolicy {
  private readonly expected: Buffer;

  constructor(
    readonly token: string,
    readonly loopback: boolean,
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
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new HttpError(401, write ? 'writes need the token: Authorization: Bearer <token> (printed when the server started)' : 'this server listens beyond loopback: every request needs Authorization: Bearer <token>');
    if (!timingSafeEqual(digest(m[1]!), this.expected)) throw new HttpError(401, 'wrong token');
  }
}
