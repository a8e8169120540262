// Runs the built CLI (dist/cli/main.js) as a child process, building it first when src/ is newer.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

const isFresh = () => fs.existsSync(CLI) && fs.statSync(CLI).mtimeMs >= newestMtime(path.join(ROOT, 'src'));
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * `npm run build:ts` unless dist/cli/main.js is newer than every file in src/. Test files run in
 * parallel workers, so a lock directory (mkdir is atomic) keeps two builds from writing dist/ at once.
 */
export function ensureBuilt(): void {
  const lock = path.join(
    os.tmpdir(),
    `attnkit-build-lock-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}`,
  );
  const deadline = Date.now() + 170_000;
  while (!isFresh()) {
    try {
      fs.mkdirSync(lock);
    } catch {
      if (Date.now() > deadline)
        throw new Error(`ensureBuilt: ${lock} held too long; remove it if no build is running`);
      sleep(200);
      continue;
    }
    try {
      if (!isFresh()) execFileSync('npm', ['run', 'build:ts'], { cwd: ROOT, stdio: 'pipe', timeout: 300_000 });
    } finally {
      fs.rmdirSync(lock);
    }
    return; // built (a src file stamped in the future must not make this loop)
  }
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
