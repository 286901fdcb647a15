/**
 * One run of `network-monitor watch`: the history store, the engine with its prober and location
 * lookup, the alert channels and the optional API, with a line printed per check and event. The
 * command builds one, runs it until the duration ends or Ctrl+C, and disposes it: one teardown,
 * whether the run ended normally or failed on the way (a taken API port...).
 */
import { AlertDelivery, type AlertChannel } from '../core/alerts/alertDelivery';
import { DEFAULT_ANOMALY_THRESHOLD } from '../core/anomaly/anomalyDetector';
import { createApiDataSource } from '../core/api/apiDataSource';
import { ApiPortInUseError } from '../core/api/apiErrors';
import { GeoLocator } from '../core/geo/geoLocator';
import { createMonitorEngine, type MonitorEngine, type RecordedCheck } from '../core/monitorEngine';
import { Prober } from '../core/probes/prober';
import type { MonitorEvent } from '../core/scheduler/monitorEvent';
import { readerOf } from '../core/store/historyStore';
import { SqlJsHistoryStore } from '../core/store/sqlJsHistoryStore';
import type { Target } from '../core/targets/target';
import { UsageError } from './args';
import { startApiForCli, type CliApi } from './cliApi';
import { cliProxySettings } from './proxyEnvironment';
import { buildReport, formatReportTable } from './report';

export interface WatchFiles {
  /** sql.js's WebAssembly; the copy in node_modules when absent. */
  wasmPath?: string;
  /** The offline IP-to-country database; servers are not located when absent. */
  geoDatabasePath?: string;
}

export interface WatchRunOptions extends WatchFiles {
  targets: Target[];
  intervalSeconds: number;
  threshold: number;
  retries: number;
  channels: AlertChannel[];
  /** The history's folder, already made private. */
  dataDirectory: string;
  /** For the proxy settings (HTTPS_PROXY...). */
  environment: NodeJS.ProcessEnv;
  /** Prints one line. */
  write: (line: string) => void;
}

/** How long the end of a run waits for alerts still being delivered. */
const DELIVERY_GRACE_MS = 15_000;

function clockTime(epochMs: number): string {
  return new Date(epochMs).toTimeString().slice(0, 8);
}

function formatCheck({ target, record, anomalous }: RecordedCheck): string {
  const detail = record.statusCode !== null ? ` ${record.statusCode}` : record.reason ? ` ${record.reason}` : '';
  return `${clockTime(record.startedAt)} - ${target.url} ${record.status}${detail} ${record.totalMs.toFixed(2)}ms${anomalous ? ` (anomaly ${record.anomalyScore!.toFixed(2)})` : ''}${record.status === 'UP' ? '' : ` - ${record.message}`}`;
}

function formatEvent(event: MonitorEvent): string | undefined {
  switch (event.type) {
    case 'alert':
      return `!! ALERT: ${event.target.name} is DOWN after ${event.consecutiveFailures} consecutive failed checks: ${event.result.message}`;
    case 'recovered':
      return `** RECOVERED: ${event.target.name} is back (${event.result.status}) after ${(event.downtimeMs / 1000).toFixed(1)} s down`;
    case 'reminder':
      return `!! STILL DOWN: ${event.target.name} has been down for ${Math.round(event.downForMs / 60_000)} min`;
    case 'flapping':
      return `~~ FLAPPING: ${event.target.name} changed state ${event.changes} times in ${Math.round(event.windowMs / 60_000)} min; alerts held until it settles`;
    case 'certificateExpiring':
      return `!! CERTIFICATE: ${event.target.name}'s certificate expires in ${event.daysLeft} days (${event.validTo.slice(0, 10)})`;
    case 'checkRetrying':
      return `   ${clockTime(event.result.startedAt)} - ${event.target.url} ${event.result.reason ?? event.result.status}, retrying in ${(event.retryInMs / 1000).toFixed(1)} s`;
    case 'warning':
      return `   note: ${event.message}`;
    default:
      return undefined;
  }
}

/** Resolves when `promise` does, or after `ms`, whichever comes first; leaves no timer behind. */
async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((done) => (timer = setTimeout(done, ms)))]);
  clearTimeout(timer);
}

export class WatchRun {
  private api: CliApi | undefined;
  private disposing: Promise<void> | undefined;

  private constructor(
    private readonly options: WatchRunOptions,
    private readonly store: SqlJsHistoryStore,
    private readonly geo: GeoLocator | undefined,
    private readonly engine: MonitorEngine,
    private readonly delivery: AlertDelivery,
  ) {}

  /** Opens the history and builds the engine and the alert channels, each check and event printed. */
  static async open(options: WatchRunOptions): Promise<WatchRun> {
    const { write } = options;
    const note = (message: string): void => write(`   note: ${message}`);
    const store = await SqlJsHistoryStore.open({
      directory: options.dataDirectory,
      wasmPath: options.wasmPath,
      onProblem: (problem) => note(problem.message),
    });
    const proxy = cliProxySettings(options.environment, (line) => write(`   ${line}`));
    const prober = new Prober({ proxy });
    const geo = options.geoDatabasePath ? new GeoLocator({ databasePath: options.geoDatabasePath }) : undefined;
    const engine = createMonitorEngine({
      runCheck: (target, signal) => prober.check(target, signal),
      scheduler: {
        alertThreshold: options.threshold,
        retries: options.retries,
        retryDelayMs: Math.min(2_000, options.intervalSeconds * 250),
        // A person watching a terminal expects the first checks right away.
        staggerFirstChecks: false,
      },
      store,
      geo,
      anomalyThreshold: DEFAULT_ANOMALY_THRESHOLD,
      onProblem: note,
    });
    const delivery = new AlertDelivery(options.channels, {
      proxy,
      onProblem: note,
      onDelivered: (channel, message) =>
        write(`   sent the ${message.kind === 'alert' ? 'alert' : 'recovery'} of ${message.targetName} to ${channel}`),
    });
    engine.onDidRecordCheck((recorded) => write(formatCheck(recorded)));
    engine.onEvent((event) => {
      const line = formatEvent(event);
      if (line) write(line);
      delivery.handle(event);
    });
    return new WatchRun(options, store, geo, engine, delivery);
  }

  /** Serves the local API on 127.0.0.1:`port` while the run lasts; a taken port is a usage error. */
  async serveApi(port: number): Promise<void> {
    try {
      this.api = await startApiForCli({
        port,
        dataDirectory: this.options.dataDirectory,
        print: this.options.write,
        source: createApiDataSource({
          store: this.store,
          scheduler: this.engine,
          getTargets: () => this.options.targets,
          isWriter: () => true,
          anomalyThreshold: () => this.engine.threshold,
        }),
      });
    } catch (error) {
      if (error instanceof ApiPortInUseError) throw new UsageError(error.message);
      throw error;
    }
  }

  /**
   * Checks the targets until `finished` resolves, then prints the report of the run and waits,
   * within a bound, for the alerts raised at the end to go out.
   */
  async watchUntil(finished: Promise<void>): Promise<void> {
    const startedAt = Date.now();
    // Warnings (very short intervals...) arrive as events and are printed.
    this.engine.setTargets(this.options.targets);
    this.engine.start();
    await finished;
    this.engine.stop();
    await this.api?.dispose();
    await this.engine.settled();
    const rows = await buildReport(readerOf(this.store), this.options.targets, startedAt, Date.now() + 1, this.engine.threshold);
    this.options.write('\n' + formatReportTable(rows, (targetId) => this.store.latest(targetId)));
    await atMost(this.delivery.idle(), DELIVERY_GRACE_MS);
  }

  /** Stops everything the run built, in the reverse order, and writes the history to disk. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      await this.api?.dispose();
      this.delivery.dispose();
      this.engine.dispose();
      this.geo?.dispose();
      await this.store.dispose();
    })();
    return this.disposing;
  }
}
