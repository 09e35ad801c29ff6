/** P3's inputs: orders and payments keyed by order id, 1 000 of each at a time (seed 42), payments 0–5 s after their order. */
import { mulberry32 } from '../lib.js';

export interface P3Input {
  key: string;
  value: string;
  timestamp: number;
}

export function* p3Inputs(n: number): Generator<{ orders: P3Input[]; payments: P3Input[] }> {
  const rnd = mulberry32(42);
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < n; i += 1000) {
    const orders: P3Input[] = [];
    const payments: P3Input[] = [];
    for (let j = i; j < i + 1000; j++) {
      const ts = t0 + j;
      orders.push({ key: `order-${j}`, value: JSON.stringify({ id: j, amount: Math.round(rnd() * 10000) / 100 }), timestamp: ts });
      payments.push({ key: `order-${j}`, value: JSON.stringify({ order: j, paid: true }), timestamp: ts + Math.floor(rnd() * 5000) });
    }
    yield { orders, payments };
  }
}
