/**
 * Finding target addresses where people write them (READMEs, `.env` files, compose files, code)
 * and matching them to the monitored targets, for the editor's hover and quick fix.
 *
 * A URL in text is matched as the Add Target box would read it (`parseTargetSpec`: lower-case
 * host, default port dropped, fragment dropped), so `HTTPS://API.example.com:443/health#top` in a
 * README finds the target saved as `https://api.example.com/health`. Only `http://`, `https://`
 * and `tcp://` are looked for: a bare host in prose is too often not an address.
 */
import { parseTargetSpec } from './target';

/** Beyond this many characters either side of the cursor a line is not read: minified files have lines of megabytes. */
const LINE_WINDOW = 2048;
const URL_PATTERN = /\b(?:https?|tcp):\/\/[^\s<>"'`{}|\\^[\]]+/gi;
/** Punctuation that ends a sentence or a Markdown construct rather than the URL. */
const TRAILING = /[.,;:!?*_~]+$/;

export interface UrlInText {
  /** Offsets in the line, end exclusive. */
  start: number;
  end: number;
  /** The address as written. */
  text: string;
  /** The address as a target's URL is saved; what the index is keyed by. */
  key: string;
}

/** The address under `column` in `line`, if there is one that Add Target would accept. */
export function urlAt(line: string, column: number): UrlInText | undefined {
  const offset = Math.max(0, column - LINE_WINDOW);
  const slice = line.slice(offset, column + LINE_WINDOW);
  const at = column - offset;
  for (const match of slice.matchAll(URL_PATTERN)) {
    const start = match.index;
    if (start > at) break;
    const text = trimUrl(match[0]);
    const end = start + text.length;
    if (at > end) continue;
    const key = targetUrlKey(text);
    return key === undefined ? undefined : { start: start + offset, end: end + offset, text, key };
  }
  return undefined;
}

/** The URL a target made from `text` would have, or undefined when Add Target would refuse it. */
export function targetUrlKey(text: string): string | undefined {
  const parsed = parseTargetSpec(text);
  return parsed.ok ? parsed.value.url : undefined;
}

/** A closing parenthesis belongs to the URL only when the URL opened one (Markdown links, Wikipedia paths). */
function trimUrl(raw: string): string {
  let text = raw.replace(TRAILING, '');
  while (text.endsWith(')') && count(text, '(') < count(text, ')')) text = text.slice(0, -1).replace(TRAILING, '');
  return text;
}

function count(text: string, character: string): number {
  let n = 0;
  for (const c of text) if (c === character) n++;
  return n;
}

/** Monitored targets by the key of their URL: the hover's lookup, rebuilt when the targets change. */
export class TargetUrlIndex {
  private readonly byKey = new Map<string, string>();

  /** Replaces the index with `targets` (id and saved URL of each). */
  rebuild(targets: Iterable<{ id: string; url: string }>): void {
    this.byKey.clear();
    for (const target of targets) {
      const key = targetUrlKey(target.url) ?? target.url;
      if (!this.byKey.has(key)) this.byKey.set(key, target.id);
    }
  }

  /** The id of the target watching `key`, if any. */
  targetFor(key: string): string | undefined {
    return this.byKey.get(key);
  }

  get size(): number {
    return this.byKey.size;
  }
}
