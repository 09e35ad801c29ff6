/** The stores of each task by name, so a TestDriver (or a debugging tool) can read their contents. */
import type { TaskContext } from '../../core/worker/contracts.js';

const stores = new WeakMap<TaskContext, Map<string, () => Array<[unknown, unknown]>>>();

export function registerStore(ctx: TaskContext, name: string, entries: () => Array<[unknown, unknown]>): void {
  let m = stores.get(ctx);
  if (!m) stores.set(ctx, (m = new Map()));
  m.set(name, entries);
}

export function storeEntries(ctx: TaskContext, name: string): Array<[unknown, unknown]> | undefined {
  return stores.get(ctx)?.get(name)?.();
}

export function storeNames(ctx: TaskContext): string[] {
  return [...(stores.get(ctx)?.keys() ?? [])];
}
