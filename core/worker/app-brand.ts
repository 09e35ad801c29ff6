/**
 * Recognising an App across copies of Sluice. A user's project imports 'sluice' (dist/ of its
 * node_modules copy) while `sluice run` is the CLI of possibly another copy, so `instanceof App`
 * fails for a perfectly good App; a brand under a global symbol does not. The same global keeps
 * (weakly) every App created in the process, so a runner whose file fails after starting an app
 * of its own can stop it.
 */

export const APP_BRAND = Symbol.for('sluice.App');
const REGISTRY = Symbol.for('sluice.apps');

/** What a runner needs of an App, whichever copy of the package built it. */
export interface AppLike {
  readonly id: string;
  readonly running: boolean;
  readonly done: Promise<void>;
  readonly metrics: { total(name: string): number; render(): string };
  start(): Promise<void>;
  stop(): Promise<void>;
  handleSignals(): void;
  /** Resolves once every input has been consumed to its end and nothing new came for `ms`. */
  idle?(ms: number): Promise<void>;
}

export function isApp(x: unknown): x is AppLike {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[APP_BRAND] === true;
}

function registry(): Set<WeakRef<AppLike>> {
  const g = globalThis as unknown as Record<symbol, Set<WeakRef<AppLike>> | undefined>;
  return (g[REGISTRY] ??= new Set());
}

/** Called by every App's constructor. */
export function trackApp(app: AppLike): void {
  const r = registry();
  for (const w of r) if (!w.deref()) r.delete(w);
  r.add(new WeakRef(app));
}

/** The Apps of this process (any copy of the package) that are running now. */
export function runningApps(): AppLike[] {
  return [...registry()].map((w) => w.deref()).filter((a): a is AppLike => a !== undefined && a.running);
}
