#!/usr/bin/env node
// The CLI runs from the TypeScript sources through tsx (a runtime dependency anyway, since
// `sluice run app.ts` must load TypeScript without a build step), so a fresh clone works after
// `npm install` with nothing stale in dist/.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// The command is over. If something still holds the process open (a socket or timer of a
// connector or of the user's app file), exit anyway rather than hang a shell or a supervisor
// waiting to restart it — and say what was left open.
setTimeout(() => {
  const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'Timeout');
  process.stderr.write(`sluice: exiting with ${open.join(', ') || 'handles'} still open\n`);
  process.exit(code);
}, 2000).unref();
