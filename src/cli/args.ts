/**
 * Command-line arguments, parsed strictly by Node's own `util.parseArgs`: `--name value`,
 * `--name=value`, boolean flags, `-h` for `--help`, repeatable options, positionals, and `--` to
 * end the options. An unknown option or a missing value is a `UsageError` with a short message.
 */
import { parseArgs as parseNodeArgs } from 'node:util';

export interface ParsedArgs {
  positionals: string[];
  /** The last value of each option given (`true` for a flag). */
  options: Map<string, string | true>;
  /** Every value of each option, in order, for options that may be repeated (`--header`). */
  repeated: Map<string, string[]>;
}

/** How a command takes each of its options: a flag, a value, or a value that may be repeated. */
export type OptionKinds = Readonly<Record<string, 'flag' | 'value' | 'values'>>;

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], kinds: OptionKinds): ParsedArgs {
  const options: Record<string, { type: 'boolean' | 'string'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, kind] of Object.entries(kinds))
    options[name] = { type: kind === 'flag' ? 'boolean' : 'string', multiple: kind === 'values' };
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseNodeArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(usageMessage(error as Error & { code?: string }));
  }
  const result: ParsedArgs = { positionals: parsed.positionals, options: new Map(), repeated: new Map() };
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined || value === false) continue;
    const values = (Array.isArray(value) ? value : [value]).map((one) => (one === true ? true : String(one)));
    result.options.set(name, values.at(-1)!);
    const texts = values.filter((one): one is string => one !== true);
    if (texts.length > 0) result.repeated.set(name, texts);
  }
  return result;
}

/** Node's messages, shortened to what a person typing a command needs. */
function usageMessage(error: Error & { code?: string }): string {
  const unknown = /^Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `Unknown option ${unknown[1]}. --help lists the options.`;
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(error.message);
  if (missing) return `${missing[1]} needs a value.`;
  const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(error.message);
  if (ambiguous) return `${ambiguous[1]} needs a value (for a value that starts with a dash, write ${ambiguous[1]}=VALUE).`;
  const flag = /^Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(error.message);
  if (flag) return `${flag[1]} is a flag and takes no value.`;
  return error.message;
}

/** The value of an option declared as 'value'. */
export function textOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return value === true ? undefined : value;
}

export function numberOption(args: ParsedArgs, name: string, fallback: number, { min = 0, integer = false } = {}): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || raw.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} of at least ${min} (got ${String(raw)}).`);
  }
  return value;
}
