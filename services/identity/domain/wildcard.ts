// Trust-policy claim patterns: "*" stands for any run of characters (none included), everything
// else is literal. Matched without a regular expression: V8's backtracking engine took seconds on
// patterns like "a*a*a*a*a*a*X" against a long claim, stalling every call of the process.

/**
 * Whether `value` matches `pattern`. The literal parts between stars are found left to right, each
 * at its first place after the previous one (the leftmost place never hurts when "*" is the only
 * wildcard), so the work is one scan of the value per part, never a search over combinations.
 */
export function wildcardMatch(pattern: string, value: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === value;
  const first = parts[0]!;
  const last = parts.at(-1)!;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  const end = value.length - last.length;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
