/** SCRAM-SHA-256/512 on the server (core/broker/scram.ts): the RFC 7677 exchange, stored credentials, wrong proofs. */
import { describe, expect, it } from 'vitest';
import { checkPassword, formatCredential, parseCredential, scramCredential, ScramError, ScramServer } from '../../core/broker/scram.js';
import { scramClient as client } from './scram-client.js';

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
