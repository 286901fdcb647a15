/**
 * `network-monitor check URL...` and `network-monitor check --stdin`: one JSON line per target.
 * With --stdin, targets are read one per line and checked as they arrive (up to --concurrency at
 * a time), each result written as soon as it completes, tagged with its input line's `seq`.
 */
import { createInterface } from 'node:readline';
import type { CheckResult } from '../core/probes/checkResult';
import { Prober } from '../core/probes/prober';
import { DEFAULT_TARGET_DEFAULTS, resolveTarget, type Target, type TargetDefaults } from '../core/targets/target';
import { numberOption, parseArgs, UsageError } from './args';
import { headerOptions, loadConfigTargets, TARGET_OPTIONS_USAGE, withCommandLineHeaders } from './targetOptions';
import { cliProxySettings, PROXY_USAGE } from './proxyEnvironment';

export const CHECK_USAGE = `Usage:
  network-monitor check URL... [--config FILE] [--header 'Name: value']... [--timeout MS] [--insecure] [--max-body BYTES]
  network-monitor check --stdin [--concurrency N] [--header 'Name: value']... [--timeout MS] [--insecure] [--max-body BYTES]

Checks each target once and prints one JSON line per target:
  {target, status, reason, message, statusCode, totalMs, phases, tls, addresses}
and, for a check that went through a proxy, proxy: {url, connectMs, tunnelMs}.
Targets: https://host/path, http://..., a bare host (HTTPS), host:port or tcp://host:port, dns://name.
${TARGET_OPTIONS_USAGE}
${PROXY_USAGE}
Exit code 0 when every target is UP, 1 otherwise, 2 for a usage error (nothing is checked).`;

interface CheckLine {
  seq?: number;
  target: string;
  status: CheckResult['status'];
  reason: CheckResult['reason'];
  message: string;
  statusCode: number | null;
  totalMs: number;
  phases: CheckResult['phases'];
  tls: CheckResult['tls'];
  addresses: string[];
  proxy?: CheckResult['proxy'];
}

/** One shape for every line (JSON.stringify leaves out `seq` and `proxy` when they are undefined): cheaper than spreading in the optional fields. */
function toLine(result: CheckResult, seq?: number): CheckLine {
  return {
    seq,
    target: result.target,
    status: result.status,
    reason: result.reason,
    message: result.message,
    statusCode: result.statusCode,
    totalMs: result.totalMs,
    phases: result.phases,
    tls: result.tls,
    addresses: result.addresses,
    proxy: result.proxy,
  };
}

function invalidLine(input: string, error: string, seq?: number): CheckLine {
  return {
    ...(seq !== undefined ? { seq } : {}),
    target: input,
    status: 'DOWN',
    reason: 'ERROR',
    message: error,
    statusCode: null,
    totalMs: 0,
    phases: { dns: 0, connect: 0, tls: 0, firstByte: 0, transfer: 0 },
    tls: null,
    addresses: [],
  };
}

export async function runCheckCommand(
  argv: readonly string[],
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<number> {
  const args = parseArgs(argv, {
    stdin: 'flag',
    insecure: 'flag',
    timeout: 'value',
    concurrency: 'value',
    'max-body': 'value',
    header: 'values',
    config: 'value',
  });
  if (args.options.has('help')) {
    output.write(CHECK_USAGE + '\n');
    return 0;
  }
  const defaults: TargetDefaults = {
    ...DEFAULT_TARGET_DEFAULTS,
    timeoutMs: numberOption(args, 'timeout', DEFAULT_TARGET_DEFAULTS.timeoutMs, { min: 1 }),
    maxBodyBytes: numberOption(args, 'max-body', DEFAULT_TARGET_DEFAULTS.maxBodyBytes, { min: 0, integer: true }),
  };
  const insecure = args.options.has('insecure');
  const prober = new Prober({ proxy: cliProxySettings() });
  const headers = headerOptions(args);
  const toTarget = (spec: string): ReturnType<typeof resolveTarget> => {
    const resolved = resolveTarget(insecure ? { url: spec, tlsVerify: false } : spec, defaults);
    return resolved.ok ? { ok: true, value: withCommandLineHeaders(resolved.value, headers) } : resolved;
  };
  const configFile = args.options.get('config');
  const configured =
    typeof configFile === 'string'
      ? loadConfigTargets(configFile, defaults, Object.keys(headers)).map((target) =>
          withCommandLineHeaders(insecure && target.http ? { ...target, http: { ...target.http, tlsVerify: false } } : target, headers),
        )
      : [];

  if (args.options.has('stdin')) {
    if (args.positionals.length > 0 || configFile !== undefined)
      throw new UsageError('Give targets either as arguments and --config, or with --stdin, not both.');
    const concurrency = numberOption(args, 'concurrency', 10, { min: 1, integer: true });
    return checkStream(input, output, prober, toTarget, concurrency);
  }
  if (args.positionals.length === 0 && configured.length === 0)
    throw new UsageError('Name at least one target to check, or use --config or --stdin.');
  const targets: Target[] = [];
  for (const spec of args.positionals) {
    const resolved = toTarget(spec);
    if (!resolved.ok) throw new UsageError(`${spec}: ${resolved.error}`);
    targets.push(resolved.value);
  }
  targets.push(...configured);
  // Checked together, printed in the order given.
  const results = await Promise.all(targets.map((target) => prober.check(target)));
  for (const result of results) output.write(JSON.stringify(toLine(result)) + '\n');
  return results.every((result) => result.status === 'UP') ? 0 : 1;
}

/** Distinct input lines whose targets are kept for reuse; past this, the memory starts over. */
const MAX_REMEMBERED_LINES = 10_000;

async function checkStream(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  prober: Prober,
  toTarget: (spec: string) => ReturnType<typeof resolveTarget>,
  concurrency: number,
): Promise<number> {
  let running = 0;
  let allUp = true;
  const waiting: (() => void)[] = [];
  const inFlight = new Set<Promise<void>>();
  const lines = createInterface({ input, crlfDelay: Infinity });
  // A stream often repeats its targets (a loop feeding the same list again): each distinct line is
  // parsed and validated once, not on every check.
  const resolvedLines = new Map<string, ReturnType<typeof resolveTarget>>();
  let seq = -1;
  for await (const rawLine of lines) {
    seq++;
    const spec = rawLine.trim();
    if (spec === '' || spec.startsWith('#')) continue;
    let resolved = resolvedLines.get(spec);
    if (resolved === undefined) {
      resolved = toTarget(spec);
      if (resolvedLines.size >= MAX_REMEMBERED_LINES) resolvedLines.clear();
      resolvedLines.set(spec, resolved);
    }
    if (!resolved.ok) {
      allUp = false;
      output.write(JSON.stringify(invalidLine(spec, resolved.error, seq)) + '\n');
      continue;
    }
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    const lineSeq = seq;
    const task = prober.check(resolved.value).then((result) => {
      if (result.status !== 'UP') allUp = false;
      output.write(JSON.stringify(toLine(result, lineSeq)) + '\n');
    });
    inFlight.add(task);
    void task.finally(() => {
      inFlight.delete(task);
      running--;
      waiting.shift()?.();
    });
  }
  await Promise.all(inFlight);
  return allUp ? 0 : 1;
}
