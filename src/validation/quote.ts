// Bounds what an error message quotes from a caller: a huge string, key or array gives a short message.

/** The longest piece of caller text one message quotes (a value, a key, a thrown error's message). */
export const MAX_QUOTED = 80;

/** text as it is, or its head and tail around '…' with the full length, when longer than max. */
export function clip(text: string, max = MAX_QUOTED): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}…${text.slice(-half)} (${text.length} characters)`;
}

/** A caller's string in quotes, clipped: `'causal'`. */
export function quote(text: string, max = MAX_QUOTED): string {
  return `'${clip(text, max)}'`;
}
