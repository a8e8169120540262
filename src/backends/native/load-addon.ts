// Finds and loads the compiled addon, keeping the reason when it cannot.
import * as path from 'node:path';
import { ADDON_ABI, type NativeAddon } from './addon-types';

export type AddonLoad = { ok: true; addon: NativeAddon; where: string } | { ok: false; reason: string };

/** The package root: dist/backends/native -> ../../.. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

const REBUILD_HINT = 'build it with `npm rebuild attnkit` (needs python3, make and a C++17 compiler)';

export function loadAddon(): AddonLoad {
  let addon: NativeAddon;
  let where: string;
  try {
    // node-gyp-build looks in prebuilds/ and build/Release for a binary matching this platform and ABI.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as { (dir: string): NativeAddon; resolve(dir: string): string };
    where = nodeGypBuild.resolve(PACKAGE_ROOT);
    addon = nodeGypBuild(PACKAGE_ROOT);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    if (/No native build was found/.test(message))
      return {
        ok: false,
        reason: `no compiled addon for ${process.platform}-${process.arch} (install scripts did not run or the build failed); ${REBUILD_HINT}`,
      };
    return { ok: false, reason: `the compiled addon failed to load (${message}); ${REBUILD_HINT}` };
  }
  if (addon.abi !== ADDON_ABI)
    return {
      ok: false,
      reason: `the compiled addon at ${where} is stale (ABI ${addon.abi}, expected ${ADDON_ABI}); ${REBUILD_HINT}`,
    };
  return { ok: true, addon, where };
}
