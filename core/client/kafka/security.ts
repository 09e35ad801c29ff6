/**
 * How Sluice's own tools connect to a secured Kafka or `sluice broker`: SASL (PLAIN, SCRAM-SHA-256,
 * SCRAM-SHA-512) and TLS, as one zod schema shared by the CLI flags (--sasl-*, --tls-*), connect
 * files (`security:`) and code, turned into kafkajs's `sasl` / `ssl` options.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { InvalidConfigError } from '../../errors.js';

export const kafkaSecuritySchema = z
  .object({
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism (as Kafka names them, lower case)'),
        username: z.string().min(1),
        password: z.string(),
      })
      .strict()
      .optional()
      .describe('SASL authentication'),
    tls: z
      .union([
        z.boolean(),
        z
          .object({
            ca: z.string().optional().describe('PEM file of the CA that signed the broker certificate (default: the system CAs)'),
            cert: z.string().optional().describe('PEM client certificate file (mutual TLS)'),
            key: z.string().optional().describe('PEM private key file of the client certificate'),
            rejectUnauthorized: z.boolean().default(true).describe('false accepts any broker certificate (tests only)'),
            servername: z.string().optional().describe('the name the broker certificate must carry, when not the broker host'),
          })
          .strict(),
      ])
      .optional()
      .describe('TLS to the brokers; true uses the system CAs'),
  })
  .strict();

export type KafkaSecurity = z.input<typeof kafkaSecuritySchema>;

function readPem(file: string, what: string, baseDir: string): string {
  const p = path.resolve(baseDir, file);
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (err) {
    throw new InvalidConfigError(`cannot read the ${what} file ${p}: ${(err as Error).message}`);
  }
}

/** kafkajs's `sasl` and `ssl` options for a security config; PEM paths are relative to `baseDir`. */
export function kafkajsSecurity(security: KafkaSecurity | undefined, baseDir = process.cwd()): { sasl?: SASLOptions; ssl?: KafkaConfig['ssl'] } {
  if (!security) return {};
  const parsed = kafkaSecuritySchema.safeParse(security);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidConfigError(`security.${issue.path.join('.')}: ${issue.message}`);
  }
  const { sasl, tls } = parsed.data;
  const out: { sasl?: SASLOptions; ssl?: KafkaConfig['ssl'] } = {};
  if (sasl) out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  if (tls === true) out.ssl = true;
  else if (tls) {
    out.ssl = {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca ? { ca: [readPem(tls.ca, 'TLS CA', baseDir)] } : {}),
      ...(tls.cert ? { cert: readPem(tls.cert, 'TLS certificate', baseDir) } : {}),
      ...(tls.key ? { key: readPem(tls.key, 'TLS key', baseDir) } : {}),
      ...(tls.servername ? { servername: tls.servername } : {}),
    };
  }
  return out;
}
