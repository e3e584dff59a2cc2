#!/usr/bin/env node
// The CLI entry; the code lives in dist/ (built by `npm install` / `npm run build`).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    // A bug: keep the stack for the report, and an exit status no verdict uses.
    console.error(err);
    process.exit(70);
  },
);
