/** SCRAM-SHA-256/512 on the server (core/broker/scram.ts): the RFC 7677 exchange, stored credentials, wrong proofs. */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPassword, formatCredential, parseCredential, scramCredential, ScramError, ScramServer, type ScramMechanism } from '../../core/broker/scram.js';

/** A SCRAM client, written from RFC 5802 §3 (the test's own, not the server's code). */
function client(mechanism: ScramMechanism, user: string, password: string, nonce: string) {
  const alg = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const size = alg === 'sha256' ? 32 : 64;
  const bare = `n=${user},r=${nonce}`;
  return {
    first: Buffer.from(`n,,${bare}`),
    final(serverFirst: string) {
      const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
      const salted = pbkdf2Sync(password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), size, alg);
      const clientKey = createHmac(alg, salted).update('Client Key').digest();
      const storedKey = createHash(alg).update(clientKey).digest();
      const withoutProof = `c=biws,r=${attrs.r}`;
      const auth = `${bare},${serverFirst},${withoutProof}`;
      const sig = createHmac(alg, storedKey).update(auth).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]!));
      const serverKey = createHmac(alg, salted).update('Server Key').digest();
      return { message: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`), expected: `v=${createHmac(alg, serverKey).update(auth).digest('base64')}` };
    },
  };
}

describe('SCRAM', () => {
  it('runs the exchange of RFC 7677 §3 byte for byte', () => {
    const cred = scramCredential('SCRAM-SHA-256', 'pencil', { salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), iterations: 4096 });
    const server = new ScramServer('SCRAM-SHA-256', (u) => (u === 'user' ? cred : null), () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    const first = server.respond(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO')).toString();
    expect(first).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    const last = server.respond(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')).toString();
    expect(last).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    expect(server.user).toBe('user');
  });

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`authenticates with ${mechanism} from a stored (salted, hashed) credential and refuses a wrong password or user`, () => {
      const stored = formatCredential(scramCredential(mechanism, 's3cret'));
      expect(stored).not.toContain('s3cret');
      const cred = parseCredential(stored);
      const lookup = (u: string) => (u === 'alice' ? cred : null);
      const ok = new ScramServer(mechanism, lookup);
      const c = client(mechanism, 'alice', 's3cret', 'abcdef');
      const f = c.final(ok.respond(c.first).toString());
      expect(ok.respond(f.message).toString()).toBe(f.expected);
      for (const [user, password] of [['alice', 'wrong'], ['mallory', 's3cret']]) {
        const s = new ScramServer(mechanism, lookup);
        const bad = client(mechanism, user!, password!, 'xyz');
        const g = bad.final(s.respond(bad.first).toString());
        expect(() => s.respond(g.message)).toThrow(ScramError);
        expect(s.user).toBeNull();
      }
      expect(checkPassword(cred, 's3cret')).toBe(true);
      expect(checkPassword(cred, 's3cret!')).toBe(false);
    });
  }

  it('refuses malformed messages and credentials', () => {
    const s = new ScramServer('SCRAM-SHA-256', () => null);
    expect(() => s.respond(Buffer.from('garbage'))).toThrow(ScramError);
    expect(() => parseCredential('SCRAM-SHA-256:10:a:b:c')).toThrow(/iterations/);
    expect(() => parseCredential('PLAIN:4096:a:b:c')).toThrow();
    expect(() => scramCredential('SCRAM-SHA-512', 'x', { iterations: 100 })).toThrow(/4096/);
  });
});
