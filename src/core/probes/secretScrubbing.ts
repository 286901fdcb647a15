/**
 * Takes the values of a target's secrets out of the text a check produces. A server can echo what
 * it was sent (a JSON body quoting the request's headers, a `Location` carrying a token), and a
 * check's message goes into the history, the views, the local API and the alert channels, which
 * must never hold a secret. The spellings a server is likely to echo are covered too: the value
 * URL-encoded, JSON-escaped or in base64, and, for a value that is itself base64 (Basic auth's
 * `user:password`), the decoded text.
 */

/** What stands in a message where a secret's value was. */
export const HIDDEN_SECRET = '[secret]';

/** Every spelling of `value` a message could carry it in. */
function spellingsOf(value: string): string[] {
  const spellings = new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]);
  const bytes = Buffer.from(value, 'utf8');
  spellings.add(bytes.toString('base64'));
  spellings.add(bytes.toString('base64url'));
  const decoded = decodedBase64(value);
  if (decoded !== undefined) {
    spellings.add(decoded);
    // Basic auth: the password alone is a secret too (the user name is usually not, and too short to hide safely).
    const password = decoded.slice(decoded.indexOf(':') + 1);
    if (decoded.includes(':') && password.length > 0) spellings.add(password);
  }
  // A derived spelling shorter than this would blank out ordinary words; the value itself is always hidden.
  return [value, ...[...spellings].filter((spelling) => spelling.length >= MIN_DERIVED_LENGTH)].filter(Boolean);
}

const MIN_DERIVED_LENGTH = 4;

/** The text `value` encodes when it is base64 of printable text, else undefined. */
function decodedBase64(value: string): string | undefined {
  if (value.length < 4 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  return /^[^\u0000-\u001f\u007f\ufffd]+$/.test(text) ? text : undefined;
}

/** `text` with every spelling of every secret value replaced by HIDDEN_SECRET. */
export function hideSecrets(text: string, secretValues: readonly string[]): string {
  if (secretValues.length === 0) return text;
  const spellings = [...new Set(secretValues.flatMap(spellingsOf))].sort((a, b) => b.length - a.length);
  let hidden = text;
  for (const spelling of spellings) hidden = hidden.split(spelling).join(HIDDEN_SECRET);
  return hidden;
}
