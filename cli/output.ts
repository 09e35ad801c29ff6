/**
 * Output of the console tools. stdout may be a pipe that closes early (`sluice consume … | head`):
 * writes resolve only once the bytes were accepted, and reject with EpipeError when the reader is
 * gone, so a command stops cleanly and commits only what it wrote.
 */
import { SluiceError } from '../core/errors.js';

export class StdoutClosedError extends SluiceError {
  constructor() {
    super('STDOUT_CLOSED', 'the reader of standard output went away');
  }
}

let closed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // Without a listener an EPIPE is an uncaught exception; with it, writes report it to their caller.
  if (err.code === 'EPIPE') closed = true;
});

/** Writes to stdout; resolves when written, rejects with StdoutClosedError when the reader is gone. */
export function write(text: string): Promise<void> {
  if (closed) return Promise.reject(new StdoutClosedError());
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => {
      if (!err) resolve();
      else if ((err as NodeJS.ErrnoException).code === 'EPIPE' || closed) {
        closed = true;
        reject(new StdoutClosedError());
      } else reject(err);
    });
  });
}

/** Fire-and-forget output of short answers (a list, a description); a closed reader is ignored. */
export function print(text: string): void {
  if (!closed && text) process.stdout.write(text);
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2) + '\n');
}
