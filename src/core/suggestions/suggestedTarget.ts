/**
 * Targets the workspace declares: what a suggestion is, which files are read for them, and how
 * the suggestions of every file become the list the Targets view shows.
 *
 * Everything here comes from files anyone can write (a cloned repository), so a suggestion is
 * only ever shown and, when the user accepts it, saved as the entry shown: nothing is checked
 * before that, and no credential from a file is copied (httpRequestFile.ts turns them into
 * `${secret:NAME}` references the user binds). Only GET and HEAD requests are suggested: a
 * monitor repeats its request every interval, and a POST repeated every minute is not a check.
 */
import { basename } from 'node:path';
import type { TargetEntryObject } from '../targets/target';
import { targetUrlKey } from '../targets/urlsInText';

/** The kinds of file suggestions are read from. */
export type SuggestionFileKind = 'http' | 'compose' | 'launch' | 'env';

/**
 * The files `suggestionFileKind` accepts, as one glob for the editor's file search and watcher
 * (relative to each workspace folder).
 */
export const SUGGESTION_FILE_GLOB =
  '**/{*.http,*.rest,docker-compose.yml,docker-compose.yaml,docker-compose.*.yml,docker-compose.*.yaml,compose.yml,compose.yaml,compose.*.yml,compose.*.yaml,.vscode/launch.json,.env,.env.*}';

/** Which parser reads `path`, from its name alone; undefined for a file that declares no targets. */
export function suggestionFileKind(path: string): SuggestionFileKind | undefined {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.http') || name.endsWith('.rest')) return 'http';
  if (/^(docker-)?compose(\.[^/]+)?\.ya?ml$/.test(name)) return 'compose';
  if (name === 'launch.json' && /[\\/]\.vscode[\\/]launch\.json$/i.test(path)) return 'launch';
  if (name === '.env' || name.startsWith('.env.')) return 'env';
  return undefined;
}

/** One target a file declares. */
export interface SuggestedTarget {
  /** The file it was found in, as the scanner was given it, and the 1-based line. */
  file: string;
  line: number;
  kind: SuggestionFileKind;
  /** What the Targets view shows: words from the file, plain text, clipped. */
  label: string;
  /** The entry saved if the user accepts: url, and name, method and headers when the file gave them. */
  entry: TargetEntryObject;
  /** The URL as a target's URL is saved (`targetUrlKey`): what "already watched" is matched by. */
  key: string;
  /** The `${secret:NAME}` references in `entry`, each with the header it stands in, for the user to bind. */
  secrets: { name: string; header: string }[];
}

/** Suggestions kept from one file at most: a generated file of thousands of requests is not a list to pick from. */
export const MAX_SUGGESTIONS_PER_FILE = 50;

/** Longest label shown; a file's line can be anything. */
const MAX_LABEL_LENGTH = 160;

/** `text` made fit for a one-line tree label: control characters out, clipped. */
export function labelText(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return flat.length > MAX_LABEL_LENGTH ? `${flat.slice(0, MAX_LABEL_LENGTH - 1)}…` : flat;
}

/** Query parameter names that carry a credential: such a URL is not suggested, since it would copy the credential into settings. */
const CREDENTIAL_NAME = /token|secret|passw|pwd|key|auth|sig|session|credential/i;

/** True for a name (an environment variable, a header, a query parameter) that usually holds a credential. */
export function looksLikeCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name) || /^(cookie|set-cookie)$/i.test(name);
}

/**
 * The key of `url` when it could be a target and carries no credential in its query; undefined
 * otherwise. (User and password in the URL itself are refused by `targetUrlKey` already.)
 */
export function suggestableUrlKey(url: string): string | undefined {
  const key = targetUrlKey(url);
  if (key === undefined || key.startsWith('dns://')) return undefined;
  if (key.startsWith('http')) {
    const query = new URL(key).searchParams;
    for (const name of query.keys()) if (looksLikeCredentialName(name)) return undefined;
  }
  return key;
}

export interface SuggestionList {
  /** What to show, in file order then line order, at most `max`. */
  shown: SuggestedTarget[];
  /** How many more there were beyond `max`. */
  leftOut: number;
}

/**
 * The suggestions to show: one per address (the first found), none for an address a target
 * already watches, sorted by file and line, at most `max`.
 */
export function listSuggestions(
  byFile: ReadonlyMap<string, readonly SuggestedTarget[]>,
  isWatched: (key: string) => boolean,
  max: number,
): SuggestionList {
  const files = [...byFile.keys()].sort();
  const seen = new Set<string>();
  const shown: SuggestedTarget[] = [];
  let leftOut = 0;
  for (const file of files) {
    for (const suggestion of byFile.get(file) ?? []) {
      if (seen.has(suggestion.key) || isWatched(suggestion.key)) continue;
      seen.add(suggestion.key);
      if (shown.length < max) shown.push(suggestion);
      else leftOut++;
    }
  }
  return { shown, leftOut };
}
