/**
 * Requests in `.http` / `.rest` files, the format REST Client and httpyac share:
 *
 * ```
 * @host = localhost:3000
 *
 * ### Health
 * # @name health
 * GET http://{{host}}/health HTTP/1.1
 * Accept: application/json
 * Authorization: Bearer {{token}}
 * ```
 *
 * Requests are separated by `###` lines; a request is a `METHOD URL [HTTP/x]` line or a bare URL
 * (GET), query lines starting with `?` or `&` continuing it, then `Name: value` headers up to the
 * first blank line (the body, after it, is not read). `@name = value` lines are file variables;
 * `{{name}}` is replaced by a file variable, else by the value in the `.env` beside the file
 * (httpyac's way), and `{{$dotenv NAME}}` by the `.env` value (REST Client's way). Anything else
 * in braces (`{{$guid}}`, `{{$processEnv X}}`, a named request's response) has no value here: a
 * request whose URL needs one is not suggested, a header that needs one is left out.
 *
 * Credentials are never copied. A header whose name says it holds one (Authorization, Cookie,
 * `*token*`, `*key*`, `*secret*`...), whose value starts with an authentication scheme, or that
 * takes a value from `.env` becomes a `${secret:NAME}` reference (NAME from the variable when the
 * value is one, else from the host and the header) that the user binds with Store Secret. A URL
 * built with a `.env` value whose name says it is a credential is not suggested.
 */
import { forbiddenHeaderProblem } from '../targets/target';
import type { EnvValue } from './envFile';
import { labelText, looksLikeCredentialName, MAX_SUGGESTIONS_PER_FILE, suggestableUrlKey, type SuggestedTarget } from './suggestedTarget';

const MAX_VARIABLE_DEPTH = 8;
/** Variables replaced in one value at most: `@a = {{b}}{{b}}`, `@b = {{c}}{{c}}`... doubles at each level. */
const MAX_SUBSTITUTIONS = 256;
const METHODS = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE|CONNECT)\s+(\S+)(?:\s+HTTP\/[\d.]+)?\s*$/i;
const BARE_URL = /^((?:https?:\/\/|\{\{)\S*)(?:\s+HTTP\/[\d.]+)?\s*$/i;
const FILE_VARIABLE = /^\s*@([\w.-]+)\s*=\s*(.*?)\s*$/;
const REQUEST_NAME = /^\s*(?:#|\/\/)\s*@name\s+(\S+)/;
const HEADER = /^([!#$%&'*+\-.^_`|~\w]+)\s*:\s*(.*)$/;
const VARIABLE = /\{\{\s*(\$dotenv\s+)?([^{}\s]+)\s*\}\}/g;
const AUTH_SCHEME = /^(Bearer|Basic|Token|Digest|ApiKey)\s+/i;
/** A reference to one of the user's secrets written in the file: never carried into an entry. */
const SECRET_REFERENCE = /\$\{\s*secret\s*:/i;
/** Headers that describe a body, which a GET or HEAD check does not send. */
const BODY_HEADERS = new Set(['content-length', 'transfer-encoding']);

interface Resolved {
  text: string;
  /** Every variable had a value. */
  complete: boolean;
  /** The `.env` variables it used. */
  fromEnv: string[];
  /** The names of the variables, in order, when the whole text is one reference (after an optional scheme word). */
  variables: string[];
}

/** Replaces `{{…}}` references from the file's variables, then the `.env` beside it. */
class Variables {
  constructor(
    private readonly fileVariables: ReadonlyMap<string, string>,
    private readonly env: ReadonlyMap<string, EnvValue>,
  ) {}

  resolve(text: string, depth = 0, budget = { left: MAX_SUBSTITUTIONS }): Resolved {
    const result: Resolved = { text: '', complete: true, fromEnv: [], variables: [] };
    result.text = text.replace(VARIABLE, (whole, dotenv: string | undefined, name: string) => {
      result.variables.push(name);
      if (--budget.left < 0) {
        result.complete = false;
        return whole;
      }
      const fileValue = dotenv ? undefined : this.fileVariables.get(name);
      if (fileValue !== undefined && depth < MAX_VARIABLE_DEPTH) {
        const inner = this.resolve(fileValue, depth + 1, budget);
        if (!inner.complete) result.complete = false;
        result.fromEnv.push(...inner.fromEnv);
        return inner.text;
      }
      const envValue = name.startsWith('$') ? undefined : this.env.get(name);
      if (envValue !== undefined) {
        result.fromEnv.push(name);
        return envValue.value;
      }
      result.complete = false;
      return whole;
    });
    return result;
  }
}

/** The GET and HEAD requests of an `.http` / `.rest` file; `env` is the `.env` beside it (empty without one). */
export function httpFileSuggestions(file: string, text: string, env: ReadonlyMap<string, EnvValue>): SuggestedTarget[] {
  const lines = text.split(/\r?\n/);
  const fileVariables = new Map<string, string>();
  for (const line of lines) {
    const match = FILE_VARIABLE.exec(line);
    if (match) fileVariables.set(match[1]!, match[2]!);
  }
  const variables = new Variables(fileVariables, env);
  const suggestions: SuggestedTarget[] = [];
  let index = 0;
  while (index < lines.length && suggestions.length < MAX_SUGGESTIONS_PER_FILE) {
    const { request, next } = readRequest(lines, index);
    index = next;
    if (!request) continue;
    const suggestion = suggestionFrom(file, request, variables);
    if (suggestion) suggestions.push(suggestion);
  }
  return suggestions;
}

interface RawRequest {
  line: number;
  method: string;
  url: string;
  name: string | undefined;
  headers: { name: string; value: string }[];
}

/** The request of the block starting at `start` (up to the next `###` line), and where the next block starts. */
function readRequest(lines: readonly string[], start: number): { request: RawRequest | undefined; next: number } {
  let index = start;
  let name: string | undefined;
  let request: RawRequest | undefined;
  // Comments, variables and blank lines before the request line.
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^#{3,}/.test(line)) return { request: undefined, next: index + 1 };
    const trimmed = line.trim();
    const named = REQUEST_NAME.exec(line);
    if (named) name = named[1];
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('//') || FILE_VARIABLE.test(line)) continue;
    const withMethod = METHODS.exec(trimmed);
    const bare = withMethod ? undefined : BARE_URL.exec(trimmed);
    if (withMethod) request = { line: index + 1, method: withMethod[1]!.toUpperCase(), url: withMethod[2]!, name, headers: [] };
    else if (bare) request = { line: index + 1, method: 'GET', url: bare[1]!, name, headers: [] };
    index++;
    break;
  }
  // Query continuation lines, then headers up to a blank line.
  for (; request && index < lines.length; index++) {
    const trimmed = lines[index]!.trim();
    if (/^[?&]/.test(trimmed)) request.url += trimmed;
    else break;
  }
  for (; request && index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim() === '' || /^#{3,}/.test(line)) break;
    if (/^\s*(#|\/\/)/.test(line)) continue;
    const header = HEADER.exec(line.trim());
    if (header) request.headers.push({ name: header[1]!, value: header[2]!.trim() });
  }
  // The rest of the block is its body.
  while (index < lines.length && !/^#{3,}/.test(lines[index]!)) index++;
  return { request, next: index + 1 };
}

function suggestionFrom(file: string, request: RawRequest, variables: Variables): SuggestedTarget | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const url = variables.resolve(request.url);
  if (!url.complete || url.fromEnv.some(looksLikeCredentialName)) return undefined;
  const key = suggestableUrlKey(url.text);
  if (key === undefined || !key.startsWith('http')) return undefined;
  const host = new URL(key).host;
  const headers: Record<string, string> = {};
  const secrets: SuggestedTarget['secrets'] = [];
  for (const header of request.headers) {
    if (forbiddenHeaderProblem(header.name) !== undefined || BODY_HEADERS.has(header.name.toLowerCase())) continue;
    if (SECRET_REFERENCE.test(header.value)) continue;
    const value = variables.resolve(header.value);
    const credential = looksLikeCredentialName(header.name) || AUTH_SCHEME.test(value.text) || value.fromEnv.length > 0;
    if (credential) {
      const scheme = AUTH_SCHEME.exec(header.value)?.[0] ?? '';
      const single = value.variables.length === 1 && header.value.slice(scheme.length).trim().replace(VARIABLE, '') === '';
      const base = secretNameFrom(single ? value.variables[0]!.replace(/^\$dotenv\s+/, '') : `${host}-${header.name}`);
      let name = base;
      for (let n = 2; secrets.some((secret) => secret.name === name); n++) name = `${base}-${n}`;
      secrets.push({ name, header: header.name });
      headers[header.name] = `${scheme}\${secret:${name}}`;
    } else if (value.complete) {
      headers[header.name] = value.text;
    }
  }
  const entry: SuggestedTarget['entry'] = { url: key };
  if (request.name) entry.name = labelText(request.name);
  if (request.method === 'HEAD') entry.method = 'HEAD';
  if (Object.keys(headers).length > 0) entry.headers = headers;
  return {
    file,
    line: request.line,
    kind: 'http',
    label: labelText(`${request.method} ${key}`),
    entry,
    key,
    secrets,
  };
}

/** A name Store Secret accepts (1 to 64 of letters, digits, `.`, `_`, `-`). */
function secretNameFrom(text: string): string {
  return (
    text
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64) || 'suggested'
  );
}
