/**
 * Decides which of several processes sharing one storage folder (VS Code windows, each with its
 * own extension host) runs the scheduler and writes the history. The writer holds `lease.json`
 * and rewrites it with a fresh `heartbeatAt` every heartbeat; the others read it every quarter
 * heartbeat and take over once the heartbeat is older than `staleAfterMs` (two heartbeats by
 * default), or at once when the writer released it on close.
 *
 * Taking over and heart-beating both happen while holding `lease.lock`, created with O_EXCL, so
 * two processes that see a stale lease at the same moment cannot both take it: the second finds
 * the first one's fresh heartbeat when it gets the lock. A lock left by a process killed while
 * holding it (a few milliseconds' window) is removed once it is older than `staleAfterMs`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type Disposable } from '../disposable';
import { type Event, Emitter } from '../events';

export const LEASE_FILE = 'lease.json';
const LOCK_FILE = 'lease.lock';

export interface LeaseInfo {
  ownerId: string;
  pid: number;
  acquiredAt: number;
  heartbeatAt: number;
}

export interface WriterLeaseOptions {
  directory: string;
  /** How often the writer proves it is alive (default 5 s). */
  heartbeatMs?: number;
  /** A heartbeat older than this means the writer is gone (default two heartbeats). */
  staleAfterMs?: number;
  /** Identifies this process in the lease; random by default. */
  ownerId?: string;
  now?: () => number;
}

export class WriterLease implements Disposable {
  private readonly becameWriter = new Emitter<void>();
  private readonly lostWriter = new Emitter<void>();
  /** Fires when this process becomes the writer: open the store for writing, start the scheduler. */
  readonly onDidBecomeWriter: Event<void> = this.becameWriter.event;
  /** Fires when another process took over (this one stalled): stop writing, reopen read-only. */
  readonly onDidLoseWriter: Event<void> = this.lostWriter.event;

  readonly ownerId: string;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly tickMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private holding = false;
  private confirmedAt = 0;
  private acquiredAt = 0;
  private disposed = false;

  private constructor(private readonly options: WriterLeaseOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.staleAfterMs = options.staleAfterMs ?? 2 * this.heartbeatMs;
    this.tickMs = Math.max(10, Math.floor(this.heartbeatMs / 4));
    this.ownerId = options.ownerId ?? randomBytes(8).toString('hex');
    this.now = options.now ?? Date.now;
  }

  /** Starts contending; resolves after the first attempt, so `isWriter` already says who writes. */
  static async start(options: WriterLeaseOptions): Promise<WriterLease> {
    await fs.mkdir(options.directory, { recursive: true });
    const lease = new WriterLease(options);
    await lease.tick();
    lease.timer = setInterval(() => void lease.tick(), lease.tickMs);
    return lease;
  }

  /**
   * True while this process holds the lease and renewed it recently enough that nobody can have
   * taken it over. Checked before every write, so a process that was frozen (a debugger, a
   * suspended laptop) writes nothing until it has confirmed it still holds the lease.
   */
  get isWriter(): boolean {
    return this.holding && this.now() - this.confirmedAt < this.staleAfterMs - this.tickMs;
  }

  /** Who holds the lease according to the file, if anyone. */
  holder(): Promise<LeaseInfo | undefined> {
    return this.readLease();
  }

  private tick(): Promise<void> {
    this.ticking ??= this.tickOnce()
      .catch(() => undefined)
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    if (this.disposed) return;
    if (this.holding) {
      if (this.now() - this.confirmedAt >= this.heartbeatMs - this.tickMs / 2) await this.withLock(() => this.renew());
      return;
    }
    const lease = await this.readLease();
    if (!lease || lease.ownerId === this.ownerId || this.now() - lease.heartbeatAt > this.staleAfterMs) {
      await this.withLock(() => this.acquire());
    }
  }

  private async acquire(): Promise<void> {
    const current = await this.readLease();
    const now = this.now();
    if (current && current.ownerId !== this.ownerId && now - current.heartbeatAt <= this.staleAfterMs) return;
    await this.writeLease({ ownerId: this.ownerId, pid: process.pid, acquiredAt: now, heartbeatAt: now });
    if (this.disposed) return;
    this.holding = true;
    this.confirmedAt = now;
    this.acquiredAt = now;
    this.becameWriter.fire();
  }

  private async renew(): Promise<void> {
    const current = await this.readLease();
    if (!current || current.ownerId !== this.ownerId) {
      this.lose();
      return;
    }
    const now = this.now();
    // Frozen past the point where others may have taken over: do not overwrite their lease.
    if (now - this.confirmedAt > this.staleAfterMs) {
      this.lose();
      return;
    }
    await this.writeLease({ ownerId: this.ownerId, pid: process.pid, acquiredAt: this.acquiredAt, heartbeatAt: now });
    this.confirmedAt = now;
  }

  private lose(): void {
    if (!this.holding) return;
    this.holding = false;
    this.lostWriter.fire();
  }

  private get lockPath(): string {
    return join(this.options.directory, LOCK_FILE);
  }

  /** Runs `task` holding the lock; returns false when another process holds it right now. */
  private async withLock(task: () => Promise<void>): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await this.removeStaleLock();
      return false;
    }
    try {
      await handle.writeFile(`${this.ownerId} ${process.pid}\n`);
      await handle.close();
      await task();
      return true;
    } finally {
      await fs.rm(this.lockPath, { force: true });
    }
  }

  private async removeStaleLock(): Promise<void> {
    try {
      const stat = await fs.stat(this.lockPath);
      if (this.now() - stat.mtimeMs > this.staleAfterMs) await fs.rm(this.lockPath, { force: true });
    } catch {
      // Gone already.
    }
  }

  private async readLease(): Promise<LeaseInfo | undefined> {
    try {
      const parsed = JSON.parse(await fs.readFile(join(this.options.directory, LEASE_FILE), 'utf8')) as Partial<LeaseInfo>;
      if (typeof parsed.ownerId !== 'string' || typeof parsed.heartbeatAt !== 'number') return undefined;
      return { ownerId: parsed.ownerId, pid: parsed.pid ?? 0, acquiredAt: parsed.acquiredAt ?? parsed.heartbeatAt, heartbeatAt: parsed.heartbeatAt };
    } catch {
      return undefined;
    }
  }

  /** Whole-file replace by rename, so a reader never sees half a lease. */
  private async writeLease(info: LeaseInfo): Promise<void> {
    const temporary = join(this.options.directory, `.${LEASE_FILE}.${this.ownerId}.tmp`);
    await fs.writeFile(temporary, JSON.stringify(info));
    await fs.rename(temporary, join(this.options.directory, LEASE_FILE));
  }

  /** Stops contending; a writer deletes the lease so another window takes over at once. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    this.disposed = true;
    if (this.holding) {
      this.holding = false;
      const release = async (): Promise<void> => {
        const current = await this.readLease();
        if (current?.ownerId === this.ownerId) await fs.rm(join(this.options.directory, LEASE_FILE), { force: true });
      };
      // The lock is held for milliseconds at a time; if it stays busy, the lease goes stale anyway.
      for (let attempt = 0; attempt < 5; attempt++) {
        if (await this.withLock(release).catch(() => true)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    this.becameWriter.dispose();
    this.lostWriter.dispose();
  }
}
