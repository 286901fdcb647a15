/**
 * `--header` and `--config`, shared by `check` and `watch`. A config file holds the same entries
 * as the editor's `networkMonitor.targets` setting and is parsed by the same core code; where the
 * editor skips a broken entry and reports it, a script is better served by refusing the whole run,
 * so nothing is checked and the entry's position and problem are named.
 *
 * Headers given with --header are treated as credentials: a user who types a header on a command
 * line is usually passing a token, so on a redirect to another origin it is dropped like
 * Authorization, and an https-to-http redirect carrying it is refused (core/probes/networkPolicy.ts).
 */
import { readFileSync } from 'node:fs';
import {
  entryShapeError,
  parseHeaderLine,
  resolveTarget,
  secretHeadersIn,
  type Target,
  type TargetDefaults,
  type TargetEntry,
} from '../core/targets/target';
import { UsageError, type ParsedArgs } from './args';

export const TARGET_OPTIONS_USAGE = `  --header 'Name: value'  send this header with every http(s) target (repeatable); it overrides
                          a config entry's header of the same name. Treated as a credential: it
                          is dropped on a redirect to another scheme, host or port, like
                          Authorization and Cookie, and an https-to-http redirect carrying
                          it is refused (BLOCKED).
  --config FILE           also check the targets in FILE: a JSON array of entries written as in
                          the editor's networkMonitor.targets setting. \${secret:NAME} cannot be
                          read here; pass that header with --header instead.`;

/** The --header values, lower-case names, the last of a repeated name winning. */
export function headerOptions(args: ParsedArgs): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const text of args.repeated.get('header') ?? []) {
    const parsed = parseHeaderLine(text);
    if (!parsed.ok) throw new UsageError(`--header: ${parsed.error}`);
    headers[parsed.value.name] = parsed.value.value;
  }
  return headers;
}

/** The target with the command line's headers added to its own, as credentials. */
export function withCommandLineHeaders(target: Target, headers: Readonly<Record<string, string>>): Target {
  const names = Object.keys(headers);
  if (target.http === null || names.length === 0) return target;
  const secretHeaderNames = [...new Set([...target.http.secretHeaderNames, ...names])];
  // The whole value, and the credential after an auth scheme ("Bearer abc" -> "abc"), are hidden in messages.
  const credentials = Object.values(headers).flatMap((value) => [value, value.replace(/^\S+\s+/, '')]);
  const secretValues = [...new Set([...target.http.secretValues, ...credentials])];
  return { ...target, http: { ...target.http, headers: { ...target.http.headers, ...headers }, secretHeaderNames, secretValues } };
}

/**
 * Reads and validates every entry of a config file. `overridden` are the header names the
 * command line sets: an entry's `${secret:NAME}` header is accepted only when one replaces it.
 */
export function loadConfigTargets(file: string, defaults: TargetDefaults, overridden: readonly string[]): Target[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--config ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`}.`,
    );
  }
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${file}: not valid JSON (${(error as Error).message}).`);
  }
  if (!Array.isArray(entries))
    throw new UsageError(`--config ${file}: must be a JSON array of URLs or target objects, as in networkMonitor.targets.`);
  const targets: Target[] = [];
  const positions = new Map<string, number>();
  for (const [index, raw] of (entries as unknown[]).entries()) {
    const refuse = (reason: string): UsageError => new UsageError(`--config ${file}: entry [${index}] ${reason}`);
    const shapeError = entryShapeError(raw);
    if (shapeError !== undefined) throw refuse(`is not usable: ${shapeError}`);
    const entry = raw as TargetEntry;
    const unresolved = secretHeadersIn(entry).filter((name) => !overridden.includes(name));
    if (unresolved.length > 0) {
      throw refuse(
        `uses \${secret:...} in header "${unresolved[0]}", which only the editor's Secret Storage holds; pass the value with --header '${unresolved[0]}: VALUE' instead.`,
      );
    }
    const built = resolveTarget(entry, defaults);
    if (!built.ok) throw refuse(`is not usable: ${built.error}`);
    const target = built.value;
    const earlier = positions.get(target.id);
    if (earlier !== undefined)
      throw refuse(`has the same id as entry [${earlier}] (${target.url}); remove one of them or give each an "id".`);
    positions.set(target.id, index);
    targets.push(target);
  }
  return targets;
}
