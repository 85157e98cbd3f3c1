// Subordinate ID ranges (/etc/subuid, /etc/subgid; subuid(5)): "USER:START:COUNT"
// lines, USER a name or a numeric ID. A user's namespace maps its root to the
// user's own ID and 1.. to these ranges, in order, as podman does.

export interface IdRange {
  start: number;
  count: number;
}

/** The ranges of a user (by name or by ID) in a subuid/subgid file's text. */
export function rangesFor(text: string, name: string | undefined, id: number): IdRange[] {
  const out: IdRange[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [who, start, count] = line.split(':');
    if (who !== name && who !== String(id)) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isSafeInteger(s) && Number.isSafeInteger(c) && s > 0 && c > 0) out.push({ start: s, count: c });
  }
  return out;
}

/** newuidmap/newgidmap's triples: 0 -> the user's own ID, then 1.. -> the ranges. */
export function idMap(hostId: number, ranges: readonly IdRange[]): number[][] {
  const map = [[0, hostId, 1]];
  let next = 1;
  for (const r of ranges) {
    map.push([next, r.start, r.count]);
    next += r.count;
  }
  return map;
}

/** How many IDs a map gives (0 .. n-1 are mapped). */
export const mappedCount = (map: readonly number[][]): number => map.reduce((n, [, , c]) => n + c, 0);

/** The mapping lines of /proc/PID/uid_map ("inside outside count" per line). */
export function parseIdMap(text: string): number[][] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((f) => f.length === 3 && f.every((n) => Number.isInteger(n)));
}
