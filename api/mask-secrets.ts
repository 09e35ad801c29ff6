/**
 * A connector config as shown over HTTP: values of keys that name a secret, and the password of a
 * URL's user info (postgres://user:pass@host), are replaced, as Kafka Connect hides PASSWORD configs.
 */
const SECRET_KEY = /pass(word)?|secret|token|credential|api[-_.]?key|private/i;
export const MASK = '[hidden]';

export function maskSecrets(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'object') return MASK;
  if (typeof value === 'string') return value.replace(/(\w[\w+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/g, `$1${MASK}@`);
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  return value;
}
