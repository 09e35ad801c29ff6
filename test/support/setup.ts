/**
 * A setupFile of every test file (vitest.config.ts): tracks the child processes the file starts
 * and, after the file's own afterAll hooks, kills those still running and runs the cleanups
 * registered with onCleanup() (see cleanup.ts).
 */
import { afterAll } from 'vitest';
import { runCleanups, trackChildProcesses } from './cleanup.js';

trackChildProcesses();
// Registered before the file's own hooks, so it runs after them (vitest runs after-hooks as a stack).
afterAll(runCleanups);
