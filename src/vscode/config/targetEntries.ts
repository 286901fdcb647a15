/**
 * Turns the `networkMonitor.targets` lists of every settings level into the targets to monitor.
 * Free of `vscode` so the merging rules are tested under plain Node; `TargetConfiguration` feeds
 * it the values `inspect()` returns.
 *
 * Rules: user entries come first, then workspace, then folder entries, in the order written. Two
 * entries with the same id at workspace and folder level are one target: the folder's wins, in
 * the place of the first. A workspace or folder entry with the id of a user entry is refused: a
 * repository's settings may not replace the user's target and inherit its history. A broken
 * entry is reported with its position and skipped; the others are monitored. What a workspace
 * or folder entry may send is decided by core/targets/workspaceEntryPolicy.ts.
 *
 * Secrets: `${secret:NAME}` in a header is replaced by the value kept in Secret Storage, and only
 * for the origins (scheme, host, port) the secret was stored for. A repository's workspace
 * settings may use a secret too, but only towards an origin the user bound it to, so a cloned
 * repository cannot send it anywhere else; a secret stored before origins were asked for (bound
 * to none) serves the user's own settings only. Targets from workspace and folder settings may
 * not reach link-local or cloud metadata addresses (core/probes/networkPolicy.ts).
 */
import {
  entryShapeError,
  parseTargetSpec,
  resolveTarget,
  SECRET_REFERENCE,
  secretNamesIn,
  type Target,
  type TargetDefaults,
  type TargetEntry,
  type TargetEntryObject,
} from '../../core/targets/target';
import { judgeEntry, NO_APPROVALS, type ApprovedEntries } from '../../core/targets/workspaceEntryPolicy';

export type SettingsLevel = 'user' | 'workspace' | 'folder';

export interface EntryList {
  level: SettingsLevel;
  /** For folder-level lists: which folder, for messages and for writing back. */
  folder?: { name: string; uri: string };
  /** Whatever the settings file holds; anything but an array is reported. */
  entries: unknown;
}

/** Where an entry lives, so an edit goes back to the same place. */
export interface EntryOrigin {
  level: SettingsLevel;
  folder?: { name: string; uri: string };
  index: number;
}

export interface ConfiguredTarget {
  /** With secret references resolved; never written back to settings. */
  target: Target;
  /** The entry as written, secret references and all. */
  entry: TargetEntry;
  origin: EntryOrigin;
}

export interface EntryProblem {
  origin: EntryOrigin;
  /** Identifies the problem across re-reads, so it is reported once. */
  key: string;
  message: string;
  /**
   * Set when the entry is valid but refused for safety (a secret it would send to an origin the
   * secret is not bound to): the tree lists it with the reason, where the user looks for it.
   */
  refused?: { label: string; reason: string };
  /**
   * Set when the entry waits for the user's approval (workspaceEntryPolicy.ts): the key to
   * remember the approval under, and the entry as written, to show before asking.
   */
  approval?: { key: string; entry: TargetEntry };
}

/** An entry that is not checked, listed in the tree with why: untrusted workspace, refused, or waiting for approval. */
export interface HeldEntry {
  origin: EntryOrigin;
  label: string;
  kind: 'untrusted' | 'refused' | 'approval';
  reason: string;
  /** For `approval`: what to approve. */
  approval?: { key: string; entry: TargetEntry };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** How an entry is named in the tree before it is a target: its name, else its URL. */
export function entryLabel(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'object' && entry !== null) {
    const { name, url } = entry as { name?: unknown; url?: unknown };
    if (typeof name === 'string' && name.trim()) return name.trim();
    if (typeof url === 'string') return url;
  }
  return JSON.stringify(entry);
}

/** A secret as kept in Secret Storage: its value and the origins it may be sent to. */
export interface StoredSecret {
  value: string;
  /** `https://host[:port]` origins; empty for a secret stored before origins were asked for. */
  origins: string[];
}

/** Looks up a secret by the name used in `${secret:NAME}`; undefined when none is stored. */
export type SecretLookup = (name: string) => Promise<StoredSecret | undefined>;

/**
 * Reads what Secret Storage holds under a secret's key: JSON `{ value, origins }`, or a bare
 * string from before origins were recorded. Anything else (another extension's data, a broken
 * write) is no secret.
 */
export function parseStoredSecret(raw: string | undefined): StoredSecret | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!raw.startsWith('{')) return { value: raw, origins: [] };
  try {
    const parsed = JSON.parse(raw) as Partial<StoredSecret>;
    if (typeof parsed.value !== 'string' || parsed.value === '') return undefined;
    const origins = Array.isArray(parsed.origins) ? parsed.origins.filter((origin): origin is string => typeof origin === 'string') : [];
    return { value: parsed.value, origins };
  } catch {
    return { value: raw, origins: [] };
  }
}

export function serializeStoredSecret(secret: StoredSecret): string {
  return JSON.stringify({ value: secret.value, origins: secret.origins });
}

/**
 * The origin a URL's requests go to (`https://host[:port]`), or a message saying why what the
 * user typed is not one. Accepts a bare host (https:// assumed) as the Add Target box does.
 */
export function parseOrigin(text: string): { ok: true; origin: string } | { ok: false; error: string } {
  const spec = parseTargetSpec(text);
  if (!spec.ok) return { ok: false, error: spec.error };
  if (spec.value.kind !== 'http')
    return { ok: false, error: `A secret is sent in HTTP headers, so it needs an http:// or https:// origin, not ${spec.value.url}.` };
  return { ok: true, origin: new URL(spec.value.url).origin };
}

export function describeOrigin(origin: EntryOrigin): string {
  const where =
    origin.level === 'user'
      ? 'User settings'
      : origin.level === 'workspace'
        ? 'Workspace settings'
        : `the settings of folder "${origin.folder?.name ?? '?'}"`;
  return `networkMonitor.targets[${origin.index}] in ${where}`;
}

type SecretResolution =
  { ok: true; entry: TargetEntry; secretHeaderNames: string[]; secretValues: string[] } | { ok: false; error: string; refused?: boolean };

async function withSecrets(entry: TargetEntry, level: SettingsLevel, lookup: SecretLookup): Promise<SecretResolution> {
  const names = secretNamesIn(entry);
  if (names.length === 0 || typeof entry === 'string') return { ok: true, entry, secretHeaderNames: [], secretValues: [] };
  const origin = typeof entry.url === 'string' ? parseOrigin(entry.url) : undefined;
  // A URL that cannot carry headers is reported by resolveTarget, in its own words.
  if (!origin?.ok) return { ok: true, entry, secretHeaderNames: [], secretValues: [] };
  const values = new Map<string, string>();
  for (const name of names) {
    const secret = await lookup(name);
    if (secret === undefined) {
      return {
        ok: false,
        error: `A header refers to the secret "${name}", which is not stored yet. Run "Network Monitor: Store Secret" and enter it under that name.`,
      };
    }
    if (secret.origins.length === 0 && level !== 'user') {
      return {
        ok: false,
        refused: true,
        error: `refused: the secret "${name}" is not bound to any origin, so only your user settings may use it. No request is sent. Run "Network Monitor: Store Secret" again for "${name}" and allow ${origin.origin}.`,
      };
    }
    if (secret.origins.length > 0 && !secret.origins.includes(origin.origin)) {
      return {
        ok: false,
        refused: true,
        error: `refused: the secret "${name}" is stored for ${secret.origins.join(', ')}, not for ${origin.origin}, where this entry would send it. No request is sent. If you trust ${origin.origin} with it, run "Network Monitor: Store Secret" for "${name}" and add that origin.`,
      };
    }
    values.set(name, secret.value);
  }
  const headers: Record<string, string> = {};
  const secretHeaderNames: string[] = [];
  for (const [header, value] of Object.entries(entry.headers ?? {})) {
    if (typeof value !== 'string') {
      headers[header] = value;
      continue;
    }
    const resolved = value.replace(SECRET_REFERENCE, (_, name: string) => values.get(name) ?? '');
    if (resolved !== value) secretHeaderNames.push(header.toLowerCase());
    headers[header] = resolved;
  }
  return { ok: true, entry: { ...entry, headers }, secretHeaderNames, secretValues: [...values.values()] };
}

const LEVEL_RANK: Record<SettingsLevel, number> = { user: 0, workspace: 1, folder: 2 };

export async function collectTargets(
  lists: readonly EntryList[],
  defaults: TargetDefaults,
  lookup: SecretLookup,
  approved: ApprovedEntries = NO_APPROVALS,
): Promise<{ targets: ConfiguredTarget[]; problems: EntryProblem[] }> {
  const problems: EntryProblem[] = [];
  const byId = new Map<string, ConfiguredTarget>();
  const ordered = [...lists].sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level]);
  for (const list of ordered) {
    if (list.entries === undefined || list.entries === null) continue;
    if (!Array.isArray(list.entries)) {
      const origin: EntryOrigin = { level: list.level, folder: list.folder, index: 0 };
      const where = describeOrigin(origin).replace('[0]', '');
      problems.push({
        origin,
        key: `${where}|not-array|${JSON.stringify(list.entries)}`,
        message: `${where} must be a list of URLs or target objects; it is ignored until it is one.`,
      });
      continue;
    }
    for (const [index, raw] of (list.entries as unknown[]).entries()) {
      const origin: EntryOrigin = { level: list.level, folder: list.folder, index };
      const report = (error: string, refused = false, approval?: EntryProblem['approval']): void => {
        problems.push({
          origin,
          key: `${describeOrigin(origin)}|${JSON.stringify(raw)}|${error}`,
          message: `${describeOrigin(origin)} is skipped: ${error}`,
          refused: refused
            ? { label: entryLabel(raw), reason: capitalise(error.replace(/^(refused|waiting for your approval): /, '')) }
            : undefined,
          approval,
        });
      };
      const shapeError = entryShapeError(raw);
      if (shapeError !== undefined) {
        report(shapeError);
        continue;
      }
      const entry = raw as TargetEntry;
      const verdict = judgeEntry(entry, list.level === 'user', approved);
      if (verdict.kind === 'refused') {
        report(verdict.reason, true);
        continue;
      }
      if (verdict.kind === 'needsApproval') {
        report(verdict.reason, true, { key: verdict.key, entry });
        continue;
      }
      const resolved = await withSecrets(entry, list.level, lookup);
      if (!resolved.ok) {
        report(resolved.error, resolved.refused);
        continue;
      }
      const built = resolveTarget(resolved.entry, defaults);
      if (!built.ok) {
        report(built.error);
        continue;
      }
      const target: Target = {
        ...built.value,
        blockLinkLocal: list.level !== 'user',
        writesNeedPublicAddress: verdict.writesNeedPublicAddress,
        http: built.value.http && {
          ...built.value.http,
          secretHeaderNames: resolved.secretHeaderNames,
          secretValues: resolved.secretValues,
        },
      };
      const configured: ConfiguredTarget = { target, entry, origin };
      const existing = byId.get(built.value.id);
      if (existing && existing.origin.level === list.level && existing.origin.folder?.uri === list.folder?.uri) {
        report(
          `it has the same id as ${describeOrigin(existing.origin)} (${existing.target.url}); remove one of them or give each an "id".`,
        );
        continue;
      }
      // A repository's entry may not take the place (and the history, alerts and mutes) of one the user wrote.
      if (existing?.origin.level === 'user') {
        report(
          `it has the id "${built.value.id}" of a target in your User settings (${existing.target.url}), and an entry from workspace or folder settings may not replace yours or take over its history. Your target is checked; give this entry an "id" of its own.`,
        );
        continue;
      }
      // Map keeps the first insertion's position; a more specific level replaces the value.
      byId.set(built.value.id, configured);
    }
  }
  return { targets: [...byId.values()], problems };
}

/** The object form of an entry, for edits that add fields to a string entry. */
export function entryAsObject(entry: TargetEntry): TargetEntryObject {
  return typeof entry === 'string' ? { url: entry } : { ...entry };
}

/**
 * Writes the smallest entry that says what it must: a bare URL string when nothing else is set,
 * so hand-written lists stay readable.
 */
export function compactEntry(entry: TargetEntryObject): TargetEntry {
  const object = Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)) as unknown as TargetEntryObject;
  if (object.paused === false) delete object.paused;
  return Object.keys(object).length === 1 && typeof object.url === 'string' ? object.url : object;
}
