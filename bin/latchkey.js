#!/usr/bin/env node
// Entry point for `npx latchkey`: runs the compiled CLI (built by `npm run build`).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then((code) => {
  if (typeof code === 'number') process.exitCode = code;
});
