/**
 * Text that others wrote (a server's answer, a target's name from a repository or an imported
 * file, an address a redirect pointed to), made safe to show where markup acts.
 *
 * VS Code turns `[label](https://…)`, `[label](command:…)` and `[label](file:…)` in a
 * notification's message into links, and runs `command:` links with commands allowed, so one
 * click on words a server chose could run any command with any arguments. There is no escape
 * character in that syntax, so the characters that make a link are replaced by look-alikes: the
 * words stay readable, and nothing is left for any Markdown flavour to turn into a link.
 */

/**
 * Square brackets become `⁅` and `⁆` (brackets with quill): no `[label](target)` and no reference
 * link can form. Full-width brackets were tried first, but a desktop without CJK fonts draws them
 * as empty boxes; these two are in DejaVu, the fallback font of such a desktop.
 */
const SQUARE_BRACKETS: Readonly<Record<string, string>> = { '[': '\u2045', ']': '\u2046' };

/**
 * `<scheme:…>` is an autolink in Markdown (and `<https://…|label>` a link in Slack); `‹…›` is
 * neither, closed or not. Other angle brackets (`<token>`) stay.
 */
const ANGLE_AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^<>]*)(>?)/gi;

/**
 * A bare `command:` (which no current surface links, but a command URI is the one that acts) gets
 * a zero-width space before its colon, so no linkifier reads a command URI in it.
 */
const COMMAND_SCHEME = /\b(command):/gi;

/** `text` with every link syntax broken and every word kept. */
export function neutraliseLinks(text: string): string {
  return text
    .replace(/[[\]]/g, (bracket) => SQUARE_BRACKETS[bracket]!)
    .replace(ANGLE_AUTOLINK, (_link, inside: string, close: string) => `\u2039${inside}${close ? '\u203a' : ''}`)
    .replace(COMMAND_SCHEME, '$1\u200b:');
}
