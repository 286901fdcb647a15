/**
 * What each window sharing one storage folder wants monitored. Workspace settings differ per
 * window, but only one window (the `WriterLease` holder) runs the scheduler; every window
 * therefore publishes the targets its own settings define in `windows/<windowId>.json`, renewed
 * every heartbeat, and the writer checks the union of the live files. A file whose window's
 * process is gone from this machine, or that has not changed for `staleAfterMs` (two heartbeats
 * by default) of the reader's monotonic clock, belongs to a window that closed or crashed: it is
 * left out, and removed. No wall clock is compared, so a clock set an hour forward or back drops
 * no live window's targets (heartbeatWatch.ts).
 *
 * The entries are published as written, with `${secret:NAME}` references unresolved, so no secret
 * ever lands in these files; the writer resolves them from the secret storage all windows share.
 *
 * What the writer has to tell a window about that window's targets (a site is down, it is back)
 * goes the other way, into `windows/<windowId>.notices`: the last few notices, numbered, so the
 * window shows each once, whichever window wrote it.
 */
import { randomBytes } from 'node:crypto';
import { type FSWatcher, promises as fs, watch } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Disposable } from '../disposable';
import type { TargetDefaults, TargetEntry } from '../targets/target';
import { HeartbeatWatch, THIS_HOST } from './heartbeatWatch';
import { ensurePrivateDirectory, writePrivateFileAtomically } from '../store/privateFiles';

export const SHARED_TARGETS_DIRECTORY = 'windows';
const NOTICES_SUFFIX = '.notices';
/** Notices kept per window: enough for a burst of alerts between two reads. */
const NOTICES_KEPT = 50;

/** Something the writer tells one window; `seq` grows across writers (it starts from the clock). */
export interface Notice {
  seq: number;
  payload: unknown;
}

/** One target as a window's settings define it. */
export interface PublishedTarget {
  /** The id the publishing window resolved, so the writer can match it before resolving. */
  id: string;
  /** As written in settings, secret references unresolved. */
  entry: TargetEntry;
  /** The defaults the publishing window's settings give (interval, timeout). */
  defaults: TargetDefaults;
  paused: boolean;
  /**
   * The settings level the entry came from, so the writer applies that level's rules (secrets,
   * link-local addresses); an entry without one gets the stricter workspace rules.
   */
  level?: 'user' | 'workspace' | 'folder';
}

export interface WindowTargets {
  windowId: string;
  pid: number;
  /** The machine the window runs on ('' in files from before it was written). */
  host: string;
  /** Wall-clock stamp, raised at every heartbeat even when the clock went back. */
  heartbeatAt: number;
  targets: PublishedTarget[];
}

export interface SharedTargetsOptions {
  /** The shared storage folder; files go to its `windows/` subfolder. */
  directory: string;
  /** How often a window renews its file (default 5 s). */
  heartbeatMs?: number;
  /** A file unchanged for this long belongs to a window that is gone (default two heartbeats). */
  staleAfterMs?: number;
  /** Identifies this window; random by default. */
  windowId?: string;
  /** The wall clock, for stamps (default Date.now). */
  now?: () => number;
  /** The monotonic clock staleness is measured on (default performance.now). */
  monotonicNow?: () => number;
}

/** Publishes this window's targets and reads every live window's. */
export class SharedTargetsBoard implements Disposable {
  readonly windowId: string;
  readonly heartbeatMs: number;
  readonly staleAfterMs: number;
  private readonly folder: string;
  private readonly now: () => number;
  private readonly windowWatch: HeartbeatWatch;
  private lastHeartbeatAt = 0;
  private targets: PublishedTarget[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly watchers = new Set<Disposable>();
  private readonly outboxes = new Map<string, Notice[]>();
  private lastSeq = 0;
  private disposed = false;

  private constructor(options: SharedTargetsOptions) {
    this.folder = join(options.directory, SHARED_TARGETS_DIRECTORY);
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.staleAfterMs = options.staleAfterMs ?? 2 * this.heartbeatMs;
    this.windowId = options.windowId ?? randomBytes(8).toString('hex');
    this.now = options.now ?? Date.now;
    this.windowWatch = new HeartbeatWatch(this.staleAfterMs, options.monotonicNow ?? (() => performance.now()));
  }

  /** Writes this window's (empty) file and starts renewing it every heartbeat. */
  static async start(options: SharedTargetsOptions, targets: readonly PublishedTarget[] = []): Promise<SharedTargetsBoard> {
    const board = new SharedTargetsBoard(options);
    await ensurePrivateDirectory(board.folder);
    board.targets = [...targets];
    await board.publish();
    board.timer = setInterval(() => void board.publish(), board.heartbeatMs);
    return board;
  }

  private get ownFile(): string {
    return join(this.folder, `${this.windowId}.json`);
  }

  /** Replaces what this window wants monitored and publishes it at once. */
  setTargets(targets: readonly PublishedTarget[]): Promise<void> {
    this.targets = [...targets];
    return this.publish();
  }

  /** Whole-file replace by rename, so a reader never sees half a file. Writes run one at a time. */
  publish(): Promise<void> {
    this.writing = this.writing
      .then(async () => {
        if (this.disposed) return;
        // Always a new stamp, so the file changes at every heartbeat whatever the clock does.
        this.lastHeartbeatAt = Math.max(this.now(), this.lastHeartbeatAt + 1);
        const content: WindowTargets = {
          windowId: this.windowId,
          pid: process.pid,
          host: THIS_HOST,
          heartbeatAt: this.lastHeartbeatAt,
          targets: this.targets,
        };
        try {
          await writePrivateFileAtomically(this.ownFile, JSON.stringify(content));
        } catch (error) {
          // The folder was removed under us (a user cleaning up): recreate it at the next heartbeat.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') await ensurePrivateDirectory(this.folder).catch(() => undefined);
          else throw error;
        }
      })
      .catch(() => undefined);
    return this.writing;
  }

  /**
   * Writer: adds notices for another window and rewrites its notices file. Unlike the targets
   * file, a lost write only costs that window a notification.
   */
  deliver(windowId: string, payloads: readonly unknown[]): Promise<void> {
    if (this.disposed || payloads.length === 0 || !/^[\w-]+$/.test(windowId)) return Promise.resolve();
    const outbox = this.outboxes.get(windowId) ?? [];
    for (const payload of payloads) {
      this.lastSeq = Math.max(this.now(), this.lastSeq + 1);
      outbox.push({ seq: this.lastSeq, payload });
    }
    outbox.splice(0, Math.max(0, outbox.length - NOTICES_KEPT));
    this.outboxes.set(windowId, outbox);
    const content = JSON.stringify(outbox);
    this.writing = this.writing
      .then(async () => {
        if (this.disposed) return;
        await writePrivateFileAtomically(join(this.folder, `${windowId}${NOTICES_SUFFIX}`), content);
      })
      .catch(() => undefined);
    return this.writing;
  }

  /** This window's notices numbered after `afterSeq`, oldest first. */
  async readNotices(afterSeq: number): Promise<Notice[]> {
    let raw: unknown;
    try {
      raw = JSON.parse(await fs.readFile(join(this.folder, `${this.windowId}${NOTICES_SUFFIX}`), 'utf8'));
    } catch {
      return [];
    }
    if (!Array.isArray(raw)) return [];
    return raw
      .filter(
        (notice): notice is Notice =>
          typeof notice === 'object' && notice !== null && typeof (notice as Notice).seq === 'number' && (notice as Notice).seq > afterSeq,
      )
      .sort((a, b) => a.seq - b.seq);
  }

  /**
   * Every live window's file, this window's included, oldest heartbeat first. Files of windows
   * that are gone are removed on the way (any window may do it; a window still alive rewrites
   * its file at its next heartbeat).
   */
  async liveWindows(): Promise<WindowTargets[]> {
    return readLiveWindows(this.folder, this.windowWatch);
  }

  /**
   * Calls `listener` shortly after a window's file changes, so the writer picks up a new target
   * without waiting for its next poll. Where the file system reports no changes, nothing is
   * called and the poll alone serves.
   */
  watch(listener: () => void): Disposable {
    let watcher: FSWatcher | undefined;
    let debounce: NodeJS.Timeout | undefined;
    try {
      watcher = watch(this.folder, () => {
        // A rename produces several events; one read after them is enough.
        debounce ??= setTimeout(() => {
          debounce = undefined;
          listener();
        }, 30);
      });
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = undefined;
    }
    const stop = {
      dispose: (): void => {
        watcher?.close();
        if (debounce) clearTimeout(debounce);
        debounce = undefined;
        this.watchers.delete(stop);
      },
    };
    this.watchers.add(stop);
    return stop;
  }

  /** Stops renewing and removes this window's file, so the writer drops its targets at once. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.timer) clearInterval(this.timer);
    for (const watcher of [...this.watchers]) watcher.dispose();
    await this.writing;
    this.disposed = true;
    await fs.rm(this.ownFile, { force: true });
    await fs.rm(join(this.folder, `${this.windowId}${NOTICES_SUFFIX}`), { force: true });
  }
}

/**
 * Every live window's file in `folder`, judged by `watch`, which remembers each file from one
 * call to the next: a file is stale once `watch` has seen it unchanged for its stale limit, or at
 * once when its window's process is gone from this machine.
 */
export async function readLiveWindows(folder: string, watch: HeartbeatWatch): Promise<WindowTargets[]> {
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return [];
  }
  watch.keepOnly(new Set(names));
  /** Files nobody renews are judged by their modification time, as it was last seen. */
  const unchangedTooLong = async (name: string): Promise<boolean> => {
    const stat = await fs.stat(join(folder, name)).catch(() => undefined);
    return stat !== undefined && watch.isStale(name, `mtime ${stat.mtimeMs}`);
  };
  const live: WindowTargets[] = [];
  for (const name of names) {
    if (name.endsWith(NOTICES_SUFFIX)) {
      // Notices for a window that is gone (its targets file was removed): nobody will read them.
      if (!names.includes(`${name.slice(0, -NOTICES_SUFFIX.length)}.json`) && (await unchangedTooLong(name)))
        await fs.rm(join(folder, name), { force: true });
      continue;
    }
    if (!name.endsWith('.json')) continue;
    const file = join(folder, name);
    const parsed = await readWindowFile(file);
    if (!parsed) {
      // Unreadable: damaged or from a future format. Remove it only once it stops changing, in
      // case it is a file a newer version is still renewing.
      if (await unchangedTooLong(name)) await fs.rm(file, { force: true });
      continue;
    }
    if (watch.isStale(name, `heartbeat ${parsed.heartbeatAt}`, parsed)) {
      await fs.rm(file, { force: true });
      continue;
    }
    live.push(parsed);
  }
  return live.sort((a, b) => a.heartbeatAt - b.heartbeatAt || a.windowId.localeCompare(b.windowId));
}

async function readWindowFile(file: string): Promise<WindowTargets | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const value = raw as Partial<WindowTargets>;
  if (typeof value.windowId !== 'string' || typeof value.heartbeatAt !== 'number' || !Array.isArray(value.targets)) return undefined;
  const targets = value.targets.filter(
    (target): target is PublishedTarget =>
      typeof target === 'object' &&
      target !== null &&
      typeof target.id === 'string' &&
      (typeof target.entry === 'string' || (typeof target.entry === 'object' && target.entry !== null)) &&
      typeof target.defaults === 'object' &&
      target.defaults !== null,
  );
  return {
    windowId: value.windowId,
    pid: typeof value.pid === 'number' ? value.pid : 0,
    host: typeof value.host === 'string' ? value.host : '',
    heartbeatAt: value.heartbeatAt,
    targets: targets.map((target) => ({ ...target, paused: target.paused === true })),
  };
}

/** A target another window wants, with the windows that want it. */
export interface ForeignTarget {
  published: PublishedTarget;
  windowIds: string[];
}

/**
 * The targets other windows want that `ownIds` does not already cover, de-duplicated by id. A
 * target two windows define is checked unless every window that defines it has paused it; the
 * entry of an unpaused window wins (then the first window's, oldest heartbeat first).
 */
export function mergeForeignTargets(windows: readonly WindowTargets[], ownWindowId: string, ownIds: ReadonlySet<string>): ForeignTarget[] {
  const merged = new Map<string, ForeignTarget>();
  for (const window of windows) {
    if (window.windowId === ownWindowId) continue;
    for (const published of window.targets) {
      if (ownIds.has(published.id)) continue;
      const existing = merged.get(published.id);
      if (!existing) {
        merged.set(published.id, { published, windowIds: [window.windowId] });
        continue;
      }
      existing.windowIds.push(window.windowId);
      if (existing.published.paused && !published.paused) existing.published = published;
    }
  }
  return [...merged.values()];
}
