#!/usr/bin/env node
// The CLI runs from the TypeScript sources through tsx (a runtime dependency anyway, since
// `sluice run app.ts` must load TypeScript without a build step), so a fresh clone works after
// `npm install` with nothing stale in dist/.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
