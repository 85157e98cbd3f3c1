// JSON as Go's encoding/json writes it (Docker's output is Go's): HTML-sensitive
// characters escaped, and MarshalIndent-style indentation.

export function goEscape(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.Marshal(v): compact, HTML-escaped. */
export function goJson(v: unknown): string {
  return goEscape(JSON.stringify(v) ?? 'null');
}

/** json.MarshalIndent(v, "", indent). Empty arrays and objects print as [] and {}. */
export function goJsonIndent(v: unknown, indent = '    '): string {
  return goEscape(JSON.stringify(v, null, indent) ?? 'null');
}
