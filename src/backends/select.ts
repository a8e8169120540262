// Chooses the live backend once: ATTNKIT_BACKEND=js|native forces one, otherwise native when it loads.
import { AttnkitBackendError } from '../errors';
import { jsBackend } from './js';
import { nativeBackend } from './native';
import { loadAddon } from './native/load-addon';
import type { Backend } from './types';

export interface Selection {
  backend: Backend;
  reason: string;
}

let selection: Selection | undefined;

function select(): Selection {
  const forced = (process.env.ATTNKIT_BACKEND ?? '').trim().toLowerCase();
  if (forced === 'js') return { backend: jsBackend, reason: 'forced by ATTNKIT_BACKEND=js' };
  if (forced !== '' && forced !== 'auto' && forced !== 'native')
    throw new AttnkitBackendError(
      `ATTNKIT_BACKEND must be 'native', 'js' or 'auto', got '${process.env.ATTNKIT_BACKEND}'`,
    );
  const load = loadAddon();
  if (load.ok) {
    let backend: Backend;
    try {
      backend = nativeBackend(load.addon);
      backend.info(); // surfaces a bad ATTNKIT_SIMD now rather than at the first call
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (forced === 'native')
        throw new AttnkitBackendError(`ATTNKIT_BACKEND=native but the addon refused to start: ${message}`);
      return { backend: jsBackend, reason: `native addon refused to start (${message}); using the JavaScript backend` };
    }
    return {
      backend,
      reason: forced === 'native' ? 'forced by ATTNKIT_BACKEND=native' : `native addon loaded from ${load.where}`,
    };
  }
  if (forced === 'native')
    throw new AttnkitBackendError(`ATTNKIT_BACKEND=native but the native addon is unavailable: ${load.reason}`);
  const reason = `${load.reason}; using the JavaScript backend meanwhile`;
  // npm hides install-script output when the script succeeds, so the install-time warning may never
  // be seen: say it once here too. ATTNKIT_BACKEND=js (a deliberate choice) stays silent.
  process.emitWarning(`attnkit: ${reason}`, { code: 'ATTNKIT_JS_FALLBACK' });
  return { backend: jsBackend, reason };
}

/** The live backend, chosen on first use. */
export function currentSelection(): Selection {
  selection ??= select();
  return selection;
}
