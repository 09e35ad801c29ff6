#!/usr/bin/env node
// The CLI runs from the TypeScript sources through tsx (a runtime dependency anyway, since
// `sluice run app.ts` must load TypeScript without a build step), so a fresh clone works after
// `npm install` with nothing stale in dist/. Both of tsx's hooks are registered: the ESM one for
// the CLI and ESM projects, the CommonJS one so a user's app.ts in a CommonJS package (npm init's
// default) is compiled to CommonJS instead of being required as ES module in a cycle.
import { register } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

register();
registerCjs();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
