// "did you mean 'causal'?" for a misspelled option name: the closest known name by edit distance.

/** Edit distance with adjacent transpositions counted as one edit ('casual' → 'causal' is 1). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  return rows[a.length][b.length];
}

/**
 * The known name closest to `name` (case ignored), if it is close enough to be a typo: at most one edit
 * for names of up to 4 letters, two for longer ones; undefined when none is, or two are equally close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const longest = Math.max(0, ...known.map((k) => k.length));
  if (name.length > longest + 2) return undefined; // too far from every name; bounds the work on a huge key
  const limit = name.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance, tie] = [k, d, false];
    else if (d === bestDistance) tie = true;
  }
  return bestDistance <= limit && !tie ? best : undefined;
}

/** "; did you mean 'causal'?" when `name` looks like a typo of one of `known`, else ''. */
export function didYouMean(name: string, known: readonly string[]): string {
  const near = closestName(name, known);
  return near === undefined ? '' : `; did you mean '${near}'?`;
}
