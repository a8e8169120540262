#!/usr/bin/env node
// The `attnkit` executable (package.json "bin"): runs the command line and sets the exit code.
import { run } from './run';

process.exitCode = run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
