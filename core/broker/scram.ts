/**
 * SASL credentials kept salted and hashed, and the server side of SCRAM-SHA-256 / SCRAM-SHA-512
 * (RFC 5802, RFC 7677, as Kafka's ScramSaslServer runs them).
 *
 * A credential is what Kafka stores for SCRAM users: a random salt, an iteration count, StoredKey =
 * H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key"), with
 * SaltedPassword = PBKDF2(password, salt, iterations). The password itself is never kept: PLAIN
 * logins are checked by deriving StoredKey from the password given and comparing.
 *
 * Text form (users files, `sluice broker --user`): `SCRAM-SHA-256:<iterations>:<salt>:<storedKey>:<serverKey>`,
 * binary fields in base64.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
/** Kafka's minimum (and default) for both mechanisms. */
export const MIN_ITERATIONS = 4096;

export interface ScramCredential {
  mechanism: ScramMechanism;
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const HASH: Record<ScramMechanism, { name: 'sha256' | 'sha512'; size: number }> = {
  'SCRAM-SHA-256': { name: 'sha256', size: 32 },
  'SCRAM-SHA-512': { name: 'sha512', size: 64 },
};

const hmac = (alg: string, key: Buffer, data: string | Buffer) => createHmac(alg, key).update(data).digest();

function keys(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const { name, size } = HASH[mechanism];
  const salted = pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, size, name);
  const clientKey = hmac(name, salted, 'Client Key');
  return { storedKey: createHash(name).update(clientKey).digest(), serverKey: hmac(name, salted, 'Server Key') };
}

/** Salts and hashes a password (a fresh random salt unless one is given). */
export function scramCredential(mechanism: ScramMechanism, password: string, opts: { salt?: Buffer; iterations?: number } = {}): ScramCredential {
  const iterations = opts.iterations ?? MIN_ITERATIONS;
  if (iterations < MIN_ITERATIONS) throw new Error(`SCRAM iterations must be at least ${MIN_ITERATIONS}, got ${iterations}`);
  const salt = opts.salt ?? randomBytes(32);
  return { mechanism, iterations, salt, ...keys(mechanism, password, salt, iterations) };
}

export function formatCredential(c: ScramCredential): string {
  return [c.mechanism, c.iterations, c.salt.toString('base64'), c.storedKey.toString('base64'), c.serverKey.toString('base64')].join(':');
}

/** Parses the text form; throws an Error saying what is wrong. */
export function parseCredential(text: string): ScramCredential {
  const parts = text.trim().split(':');
  const mechanism = parts[0] as ScramMechanism;
  if (parts.length !== 5 || !HASH[mechanism]) throw new Error('a stored credential looks like SCRAM-SHA-256:<iterations>:<salt>:<storedKey>:<serverKey> (base64)');
  const iterations = Number(parts[1]);
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS) throw new Error(`iterations must be an integer of at least ${MIN_ITERATIONS}`);
  const [salt, storedKey, serverKey] = parts.slice(2).map((p) => Buffer.from(p, 'base64'));
  const size = HASH[mechanism].size;
  if (salt!.length === 0 || storedKey!.length !== size || serverKey!.length !== size) throw new Error(`${mechanism} keys must be ${size} bytes`);
  return { mechanism, iterations, salt: salt!, storedKey: storedKey!, serverKey: serverKey! };
}

/** Whether `password` is the one the credential was made from (constant time in the comparison). */
export function checkPassword(c: ScramCredential, password: string): boolean {
  const { storedKey } = keys(c.mechanism, password, c.salt, c.iterations);
  return timingSafeEqual(storedKey, c.storedKey);
}

/** A user's credentials, one per mechanism (PLAIN logins check any of them). */
export type UserCredentials = Partial<Record<ScramMechanism, ScramCredential>>;

function unescapeName(s: string): string | null {
  if (/=(?!2C|3D)/.test(s)) return null;
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

/** Thrown for a malformed or wrong SCRAM message; `message` is what the client is told. */
export class ScramError extends Error {}

/**
 * One SCRAM exchange on the server: client-first → server-first, client-final → server-final.
 * `lookup` finds a user's credential for this mechanism (null: unknown user; the exchange goes on
 * with a fake salt so that unknown users cannot be told from wrong passwords until the proof).
 */
export class ScramServer {
  private step: 'first' | 'final' | 'done' = 'first';
  private credential: ScramCredential | null = null;
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2Header = '';
  /** The authenticated user (after a successful final step). */
  user: string | null = null;
  private claimed = '';

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: (user: string) => ScramCredential | null,
    private readonly serverNonce: () => string = () => randomBytes(24).toString('base64'),
  ) {}

  /** Answers the next client message; throws ScramError on a bad or failed exchange. */
  respond(message: Buffer): Buffer {
    const text = message.toString('utf8');
    if (this.step === 'first') return Buffer.from(this.first(text));
    if (this.step === 'final') return Buffer.from(this.final(text));
    throw new ScramError('SCRAM exchange already complete');
  }

  get done(): boolean {
    return this.step === 'done';
  }

  private first(text: string): string {
    // gs2-header: "n," or "y," (no channel binding), optional "a=authzid", then ","
    const m = /^([ny]),(a=[^,]*)?,(.*)$/.exec(text);
    if (!m) throw new ScramError('invalid SCRAM client-first message');
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3]!;
    const attrs = attributes(this.clientFirstBare);
    const name = unescapeName(attrs.get('n') ?? '');
    const clientNonce = attrs.get('r');
    if (!name || !clientNonce) throw new ScramError('invalid SCRAM client-first message: user name and nonce are required');
    const authzid = m[2] ? unescapeName(m[2].slice(2)) : null;
    if (authzid && authzid !== name) throw new ScramError('authorization id must be the user name');
    this.claimed = name;
    this.credential = this.lookup(name);
    const salt = this.credential?.salt ?? createHash('sha256').update(`sluice-no-such-user:${name}`).digest();
    const iterations = this.credential?.iterations ?? MIN_ITERATIONS;
    this.nonce = clientNonce + this.serverNonce();
    this.serverFirst = `r=${this.nonce},s=${salt.toString('base64')},i=${iterations}`;
    this.step = 'final';
    return this.serverFirst;
  }

  private final(text: string): string {
    this.step = 'done';
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('invalid SCRAM client-final message');
    const withoutProof = text.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64')) throw new ScramError('invalid SCRAM channel binding');
    // Kafka accepts a nonce that ends with the server's (ScramSaslServer: endsWith): librdkafka up
    // to at least 2.0 sends its own nonce again in front of it.
    if (!(attrs.get('r') ?? '').endsWith(this.nonce)) throw new ScramError('invalid SCRAM nonce');
    const c = this.credential;
    const { name, size } = HASH[this.mechanism];
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    if (!c || proof.length !== size) throw new ScramError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`);
    const signature = hmac(name, c.storedKey, authMessage);
    const clientKey = Buffer.alloc(size);
    for (let i = 0; i < size; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    if (!timingSafeEqual(createHash(name).update(clientKey).digest(), c.storedKey)) {
      throw new ScramError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`);
    }
    this.user = this.claimed;
    return `v=${hmac(name, c.serverKey, authMessage).toString('base64')}`;
  }
}

/**
 * A user's credentials from a users entry: stored credentials (`SCRAM-SHA-256:…`, several joined
 * by ";"), or a password, which is salted and hashed for both mechanisms here and not kept.
 */
export function credentialsFromEntry(entry: string): UserCredentials {
  const out: UserCredentials = {};
  if (/^SCRAM-SHA-(256|512):/.test(entry)) {
    for (const part of entry.split(';')) {
      const c = parseCredential(part);
      out[c.mechanism] = c;
    }
    return out;
  }
  for (const m of SCRAM_MECHANISMS) out[m] = scramCredential(m, entry);
  return out;
}

/** Whether a password matches any of a user's credentials (PLAIN logins). */
export function checkUserPassword(creds: UserCredentials, password: string): boolean {
  let ok = false;
  for (const m of SCRAM_MECHANISMS) {
    const c = creds[m];
    if (c) {
      ok = checkPassword(c, password);
      break;
    }
  }
  return ok;
}
