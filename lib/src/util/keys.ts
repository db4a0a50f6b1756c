/**
 * Strict config objects: a key a config does not know is refused, with the closest known key as a suggestion, so a
 * misspelt field (`widht`, `epoch`) never silently falls back to its default.
 */

/** Edit distance (insertions, deletions, substitutions, adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= m; i++)
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[m][n];
}

/**
 * The known key closest to `key` (case-insensitive edit distance ≤ max(2, ⌊len/3⌋); a key that starts with a known
 * key of three or more letters, or is the start of one, counts as distance 1), or null. Ties go to the smaller edit
 * distance, then to the earlier key.
 */
export function closestKey(key: string, known: readonly string[]): string | null {
  const k = key.toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  let bestEd = Infinity;
  for (const c of known) {
    const cl = c.toLowerCase();
    const ed = editDistance(k, cl);
    const prefix = Math.min(k.length, cl.length) >= 3 && (cl.startsWith(k) || k.startsWith(cl));
    const dist = prefix ? Math.min(1, ed) : ed;
    if (dist < bestD || (dist === bestD && ed < bestEd)) {
      bestD = dist;
      bestEd = ed;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/**
 * Throws when `obj` has a key outside `known`: "<where>: unknown field "widht" — did you mean "width"? Known fields:
 * …". `hints` adds a sentence for keys that belong elsewhere (e.g. a run's `seed`, which a sweep sets with `seeds`).
 */
export function refuseUnknownKeys(
  obj: unknown,
  known: readonly string[],
  where: string,
  hints: Readonly<Record<string, string>> = {},
): void {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return;
  const unknown = Object.keys(obj).filter(
    (k) => !known.includes(k) && (obj as Record<string, unknown>)[k] !== undefined,
  );
  if (!unknown.length) return;
  const parts = unknown.map((k) => {
    if (hints[k]) return `unknown field "${k}" — ${hints[k]}`;
    const near = closestKey(k, known);
    return `unknown field "${k}"${near ? ` — did you mean "${near}"?` : ""}`;
  });
  const listed = parts.join("; ");
  throw new Error(`${where}: ${listed}${listed.endsWith("?") ? "" : "."} Known fields: ${known.join(", ")}.`);
}
