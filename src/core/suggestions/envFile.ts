/**
 * `.env` files as dotenv, Docker Compose, REST Client and httpyac read them: `NAME=value` lines,
 * `export ` allowed before the name, values in single or double quotes or bare (a bare value ends
 * at ` #`), `#` comment lines. Multi-line quoted values are not read (their first line is).
 *
 * Their `*_URL` values are suggestions; all their values are variables for the `.http` and
 * compose files beside them, and are treated as credentials there (httpRequestFile.ts).
 */
import { labelText, looksLikeCredentialName, MAX_SUGGESTIONS_PER_FILE, suggestableUrlKey, type SuggestedTarget } from './suggestedTarget';

export interface EnvValue {
  value: string;
  line: number;
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][\w.-]*)\s*=\s*(.*)$/;

export function parseEnvFile(text: string): Map<string, EnvValue> {
  const values = new Map<string, EnvValue>();
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const match = ASSIGNMENT.exec(lines[index]!);
    if (!match) continue;
    values.set(match[1]!, { value: unquote(match[2]!), line: index + 1 });
  }
  return values;
}

function unquote(raw: string): string {
  const quote = raw[0];
  if (quote === '"' || quote === "'") {
    const end = raw.indexOf(quote, 1);
    return end > 0 ? raw.slice(1, end) : raw.slice(1);
  }
  return raw.replace(/\s+#.*$/, '').trim();
}

/** `*_URL` values that are http(s):// or tcp:// addresses; none whose name says it is a credential (a webhook's URL is one). */
export function envFileSuggestions(file: string, text: string): SuggestedTarget[] {
  const suggestions: SuggestedTarget[] = [];
  for (const [name, { value, line }] of parseEnvFile(text)) {
    if (suggestions.length >= MAX_SUGGESTIONS_PER_FILE) break;
    if (!/(^|_)URL$/i.test(name) || looksLikeCredentialName(name) || /webhook/i.test(name)) continue;
    if (!/^(https?|tcp):\/\//i.test(value)) continue;
    const key = suggestableUrlKey(value);
    if (key === undefined) continue;
    suggestions.push({ file, line, kind: 'env', label: labelText(`${name} = ${value}`), entry: { url: key }, key, secrets: [] });
  }
  return suggestions;
}
