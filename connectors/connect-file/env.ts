/**
 * `${env:NAME}` and `${env:NAME:-default}` in the string values of a connect file, the syntax of
 * Kafka Connect's EnvVarConfigProvider: secrets and per-machine addresses stay out of the file.
 * A variable that is unset and has no default is a config error naming the field.
 */
import { AppConfigError } from '../../core/worker/errors.js';

const REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function resolveEnvReferences(value: unknown, env: NodeJS.ProcessEnv = process.env, at = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined) return v;
      if (fallback !== undefined) return fallback;
      throw new AppConfigError(`${at || '(top level)'}: environment variable ${name} is not set and \${env:${name}} has no default (write \${env:${name}:-value})`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnvReferences(v, env, `${at}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnvReferences(v, env, at ? `${at}.${k}` : k)]));
  }
  return value;
}
