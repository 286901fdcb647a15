/**
 * Turns the `networkMonitor.targets` lists of every settings level into the targets to monitor.
 * Free of `vscode` so the merging rules are tested under plain Node; `TargetConfiguration` feeds
 * it the values `inspect()` returns.
 *
 * Rules: user entries come first, then workspace, then folder entries, in the order written. Two
 * entries with the same id are one target: the more specific level wins (a team's workspace entry
 * overrides a personal one), in the place of the first. A broken entry is reported with its
 * position and skipped; the others are monitored.
 */
import { resolveTarget, type Target, type TargetDefaults, type TargetEntry, type TargetEntryObject } from '../../core/targets/target';

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
}

/** Looks up a secret by the name used in `${secret:NAME}`; undefined when none is stored. */
export type SecretLookup = (name: string) => Promise<string | undefined>;

const SECRET_REFERENCE = /\$\{secret:([\w.-]+)\}/g;

/** The secret names an entry's header values refer to. */
export function secretNamesIn(entry: TargetEntry): string[] {
  if (typeof entry !== 'object' || entry === null || typeof entry.headers !== 'object' || entry.headers === null) return [];
  const names = new Set<string>();
  for (const value of Object.values(entry.headers)) {
    if (typeof value !== 'string') continue;
    for (const match of value.matchAll(SECRET_REFERENCE)) names.add(match[1]!);
  }
  return [...names];
}

export function describeOrigin(origin: EntryOrigin): string {
  const where = origin.level === 'user' ? 'User settings' : origin.level === 'workspace' ? 'Workspace settings' : `the settings of folder "${origin.folder?.name ?? '?'}"`;
  return `networkMonitor.targets[${origin.index}] in ${where}`;
}

async function withSecrets(entry: TargetEntry, lookup: SecretLookup): Promise<{ ok: true; entry: TargetEntry } | { ok: false; error: string }> {
  const names = secretNamesIn(entry);
  if (names.length === 0 || typeof entry === 'string') return { ok: true, entry };
  const values = new Map<string, string>();
  for (const name of names) {
    const value = await lookup(name);
    if (value === undefined) {
      return { ok: false, error: `A header refers to the secret "${name}", which is not stored yet. Run "Network Monitor: Store Secret" and enter it under that name.` };
    }
    values.set(name, value);
  }
  const headers: Record<string, string> = {};
  for (const [header, value] of Object.entries(entry.headers ?? {})) {
    headers[header] = typeof value === 'string' ? value.replace(SECRET_REFERENCE, (_, name: string) => values.get(name) ?? '') : value;
  }
  return { ok: true, entry: { ...entry, headers } };
}

const LEVEL_RANK: Record<SettingsLevel, number> = { user: 0, workspace: 1, folder: 2 };

export async function collectTargets(lists: readonly EntryList[], defaults: TargetDefaults, lookup: SecretLookup): Promise<{ targets: ConfiguredTarget[]; problems: EntryProblem[] }> {
  const problems: EntryProblem[] = [];
  const byId = new Map<string, ConfiguredTarget>();
  const ordered = [...lists].sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level]);
  for (const list of ordered) {
    if (list.entries === undefined || list.entries === null) continue;
    if (!Array.isArray(list.entries)) {
      const origin: EntryOrigin = { level: list.level, folder: list.folder, index: 0 };
      const where = describeOrigin(origin).replace('[0]', '');
      problems.push({ origin, key: `${where}|not-array|${JSON.stringify(list.entries)}`, message: `${where} must be a list of URLs or target objects; it is ignored until it is one.` });
      continue;
    }
    for (const [index, raw] of (list.entries as unknown[]).entries()) {
      const origin: EntryOrigin = { level: list.level, folder: list.folder, index };
      const report = (error: string): void => {
        problems.push({ origin, key: `${describeOrigin(origin)}|${JSON.stringify(raw)}|${error}`, message: `${describeOrigin(origin)} is skipped: ${error}` });
      };
      if (typeof raw !== 'string' && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
        report('an entry must be a URL string or an object with a "url".');
        continue;
      }
      const entry = raw as TargetEntry;
      const resolved = await withSecrets(entry, lookup);
      if (!resolved.ok) {
        report(resolved.error);
        continue;
      }
      const built = resolveTarget(resolved.entry, defaults);
      if (!built.ok) {
        report(built.error);
        continue;
      }
      const configured: ConfiguredTarget = { target: built.value, entry, origin };
      const existing = byId.get(built.value.id);
      if (existing && existing.origin.level === list.level && existing.origin.folder?.uri === list.folder?.uri) {
        report(`it has the same id as ${describeOrigin(existing.origin)} (${existing.target.url}); remove one of them or give each an "id".`);
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
