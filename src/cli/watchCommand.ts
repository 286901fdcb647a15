/**
 * `network-monitor watch URL...`: the engine the extension runs (scheduler, anomaly detector,
 * history in --data-dir), with a line per check, the alerts and recoveries, and a report table at
 * the end of --duration or on Ctrl+C. With no targets in an interactive terminal it asks for them.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { type AlertChannel, alertChannelUrlProblem } from '../core/alerts/alertDelivery';
import { ALERT_CHANNEL_FORMATS, type AlertChannelFormat, templateProblem } from '../core/alerts/alertMessages';
import { ensurePrivateDirectory, UnsafeDirectoryError } from '../core/store/privateFiles';
import { DEFAULT_TARGET_DEFAULTS, resolveTarget, type Target } from '../core/targets/target';
import { numberOption, parseArgs, textOption, UsageError, type ParsedArgs } from './args';
import { PROXY_USAGE } from './proxyEnvironment';
import { headerOptions, loadConfigTargets, TARGET_OPTIONS_USAGE, withCommandLineHeaders } from './targetOptions';
import { type WatchFiles, WatchRun } from './watchRun';

export const WATCH_USAGE = `Usage:
  network-monitor watch URL... [--config FILE] [--header 'Name: value']...
                               [--interval SECONDS] [--duration SECONDS] [--threshold N]
                               [--timeout MS] [--retries N] [--data-dir DIR] [--api-port PORT]
                               [--notify FORMAT=URL]... [--notify-template FILE]

Checks the targets every --interval seconds (default 60) and prints a line per check:
  15:03:06 - https://example.com/ UP 200 191.82ms
announces alerts after --threshold consecutive failures (default 3) and recoveries, and prints
a report when --duration seconds have passed (default: run until Ctrl+C) or on Ctrl+C.
History is kept in --data-dir (default ~/.network-monitor). --api-port serves the local HTTP API
and Prometheus /metrics on 127.0.0.1 while it runs (token in <data-dir>/api-token, mode 0600).
A config entry's own "interval" and "timeout" win over --interval and --timeout.
--notify posts each alert and recovery to a channel as well: FORMAT is webhook, slack, teams or
discord; the same list, separated by spaces, may come from NETWORK_MONITOR_NOTIFY instead, which
keeps webhook addresses (they are credentials) out of the process list. --notify-template FILE
is the JSON body of webhook channels, with {{field}} placeholders (see the README).
${TARGET_OPTIONS_USAGE}
${PROXY_USAGE}`;

export interface WatchIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  /** The signal that ends a run early (Ctrl+C); the CLI passes SIGINT/SIGTERM. */
  interrupted: Promise<void>;
}

interface WatchSettings {
  targets: Target[];
  intervalSeconds: number;
  durationSeconds: number;
  threshold: number;
}

async function settingsFromArgs(args: ParsedArgs, io: WatchIo): Promise<WatchSettings> {
  let specs = args.positionals;
  let intervalSeconds = numberOption(args, 'interval', 60, { min: 1 });
  let durationSeconds = numberOption(args, 'duration', 0, { min: 0 });
  let threshold = numberOption(args, 'threshold', 3, { min: 1, integer: true });
  const headers = headerOptions(args);
  const configFile = args.options.get('config');
  if (specs.length === 0 && configFile === undefined) {
    if (!io.input.isTTY) {
      throw new UsageError('No targets given. Name them as arguments, e.g. network-monitor watch https://example.com --interval 10');
    }
    const prompt = createInterface({ input: io.input, output: io.output });
    try {
      const answer = async (question: string, fallback: string): Promise<string> =>
        (await prompt.question(`${question} [${fallback}]: `)).trim() || fallback;
      specs = (await prompt.question('URLs to monitor (separated by spaces or commas): ')).split(/[\s,]+/).filter(Boolean);
      if (specs.length === 0) throw new UsageError('No targets given.');
      intervalSeconds = Number(await answer('Check interval in seconds', String(intervalSeconds)));
      durationSeconds = Number(await answer('Duration in seconds (0 = until Ctrl+C)', String(durationSeconds)));
      threshold = Number(await answer('Alert after how many consecutive failures', String(threshold)));
    } finally {
      prompt.close();
    }
    if (!(intervalSeconds >= 1)) throw new UsageError('The interval must be at least 1 second.');
    if (!(durationSeconds >= 0)) throw new UsageError('The duration must be 0 or more seconds.');
    if (!(threshold >= 1) || !Number.isInteger(threshold))
      throw new UsageError('The alert threshold must be a whole number of at least 1.');
  }
  const timeoutMs = numberOption(args, 'timeout', Math.min(DEFAULT_TARGET_DEFAULTS.timeoutMs, intervalSeconds * 1000), { min: 1 });
  const targets: Target[] = [];
  for (const spec of specs) {
    const resolved = resolveTarget({ url: spec, interval: intervalSeconds, timeout: timeoutMs });
    if (!resolved.ok) throw new UsageError(`${spec}: ${resolved.error}`);
    if (targets.some((target) => target.id === resolved.value.id)) continue;
    targets.push(resolved.value);
  }
  if (typeof configFile === 'string') {
    const defaults = { ...DEFAULT_TARGET_DEFAULTS, intervalMs: intervalSeconds * 1000, timeoutMs };
    for (const target of loadConfigTargets(configFile, defaults, Object.keys(headers))) {
      if (targets.some((known) => known.id === target.id)) continue;
      targets.push(target);
    }
  }
  if (targets.length === 0)
    throw new UsageError(`--config ${String(configFile)}: holds no targets; add entries or name URLs as arguments.`);
  return { targets: targets.map((target) => withCommandLineHeaders(target, headers)), intervalSeconds, durationSeconds, threshold };
}

/** The --data-dir's real path, made private; another user's folder is refused with the reason, not a stack. */
async function privateDataDirectory(directory: string): Promise<string> {
  try {
    return await ensurePrivateDirectory(directory);
  } catch (error) {
    if (error instanceof UnsafeDirectoryError) throw new UsageError(`${error.message} (--data-dir)`);
    throw error;
  }
}

/** The channels of --notify and NETWORK_MONITOR_NOTIFY, each `FORMAT=URL`. */
function alertChannelsFromArgs(args: ParsedArgs, environment: NodeJS.ProcessEnv): AlertChannel[] {
  const given = [...(args.repeated.get('notify') ?? []), ...(environment.NETWORK_MONITOR_NOTIFY ?? '').split(/\s+/).filter(Boolean)];
  const templateFile = textOption(args, 'notify-template');
  let template: string | undefined;
  if (templateFile !== undefined) {
    try {
      template = readFileSync(templateFile, 'utf8');
    } catch (error) {
      throw new UsageError(`--notify-template ${templateFile}: ${(error as Error).message}`);
    }
    const problem = templateProblem(template);
    if (problem) throw new UsageError(`--notify-template ${templateFile}: ${problem}`);
  }
  return given.map((spec, index) => {
    const separator = spec.indexOf('=');
    const format = spec.slice(0, Math.max(0, separator));
    const url = spec.slice(separator + 1);
    if (separator < 0 || !(ALERT_CHANNEL_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(
        `--notify takes FORMAT=URL with FORMAT one of ${ALERT_CHANNEL_FORMATS.join(', ')}; got "${spec.slice(0, Math.max(0, separator)) || spec.slice(0, 20)}...".`,
      );
    }
    const problem = alertChannelUrlProblem(url);
    if (problem) throw new UsageError(`--notify ${format}=...: ${problem}`);
    return {
      name: `${format} ${index + 1}`,
      format: format as AlertChannelFormat,
      url,
      template: format === 'webhook' ? template : undefined,
    };
  });
}

/** The options `watch` takes, each with how many values. */
const WATCH_OPTIONS = {
  interval: 'value',
  duration: 'value',
  threshold: 'value',
  timeout: 'value',
  retries: 'value',
  'data-dir': 'value',
  'api-port': 'value',
  header: 'values',
  config: 'value',
  notify: 'values',
  'notify-template': 'value',
} as const;

/** Resolves after --duration seconds; never when the run lasts until Ctrl+C. */
function durationEnd(durationSeconds: number): { ended: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const ended =
    durationSeconds > 0 ? new Promise<void>((done) => (timer = setTimeout(done, durationSeconds * 1000))) : new Promise<void>(() => {});
  return { ended, cancel: () => clearTimeout(timer) };
}

export async function runWatchCommand(
  argv: readonly string[],
  io: WatchIo,
  files: WatchFiles = {},
  environment: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const args = parseArgs(argv, WATCH_OPTIONS);
  if (args.options.has('help')) {
    io.output.write(WATCH_USAGE + '\n');
    return 0;
  }
  const settings = await settingsFromArgs(args, io);
  const channels = alertChannelsFromArgs(args, environment);
  const retries = numberOption(args, 'retries', 1, { min: 0, integer: true });
  const apiPort = args.options.has('api-port') ? numberOption(args, 'api-port', 0, { min: 0, integer: true }) : undefined;
  if (apiPort !== undefined && apiPort > 65535) throw new UsageError('--api-port must be a port number from 0 to 65535.');
  const dataDirectory = await privateDataDirectory(resolve(String(args.options.get('data-dir') ?? join(homedir(), '.network-monitor'))));

  const write = (line: string): void => void io.output.write(line + '\n');
  const run = await WatchRun.open({ ...settings, ...files, retries, channels, dataDirectory, environment, write });
  let duration: ReturnType<typeof durationEnd> | undefined;
  try {
    if (apiPort !== undefined) await run.serveApi(apiPort);
    write(
      `Watching ${settings.targets.length} target${settings.targets.length === 1 ? '' : 's'} every ${settings.intervalSeconds} s${settings.durationSeconds > 0 ? ` for ${settings.durationSeconds} s` : ''} (Ctrl+C to stop); history in ${dataDirectory}${channels.length > 0 ? `; alerts also to ${channels.map((channel) => channel.name).join(', ')}` : ''}`,
    );
    duration = durationEnd(settings.durationSeconds);
    await run.watchUntil(Promise.race([duration.ended, io.interrupted]));
  } finally {
    duration?.cancel();
    await run.dispose();
  }
  return 0;
}
