/** A SCRAM client for tests, written from RFC 5802 §3 (the test's own, not the server's code). */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import type { ScramMechanism } from '../../core/broker/scram.js';

export function scramClient(mechanism: ScramMechanism, user: string, password: string, nonce: string) {
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

