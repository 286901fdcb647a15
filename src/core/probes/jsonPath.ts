/**
 * A small JSON path: `$.a.b`, `a.b[0].c`, `$['key with spaces']`. Enough to point at one value in a
 * health-check response; filters and wildcards are out of scope.
 */
export type JsonPathResult = { found: true; value: unknown } | { found: false };

export function parseJsonPath(path: string): (string | number)[] | undefined {
  const steps: (string | number)[] = [];
  let rest = path.trim().replace(/^\$/, '');
  while (rest.length > 0) {
    let match: RegExpExecArray | null;
    if ((match = /^\.?([A-Za-z_$][\w$-]*)/.exec(rest))) steps.push(match[1]!);
    else if ((match = /^\[(\d+)\]/.exec(rest))) steps.push(Number(match[1]));
    else if ((match = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) || (match = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))) {
      steps.push(match[1]!.replace(/\\(.)/g, '$1'));
    } else return undefined;
    rest = rest.slice(match[0].length);
  }
  return steps;
}

export function evaluateJsonPath(document: unknown, steps: readonly (string | number)[]): JsonPathResult {
  let current: unknown = document;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return { found: false };
      current = current[step];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, step))
        return { found: false };
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}
