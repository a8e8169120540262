import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The package version, read from package.json next to dist/. */
export const VERSION: string = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
