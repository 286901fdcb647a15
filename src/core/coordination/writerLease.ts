/**
 * Decides which of several processes sharing one storage folder (VS Code windows, each with its
 * own extension host) runs the scheduler and writes the history. The writer holds `lease.json`
 * and rewrites it with a fresh `heartbeatAt` every heartbeat; the others read it every quarter
 * heartbeat and take over when the writer is gone: at once when it released the lease on close
 * or its process no longer exists on this machine, otherwise once they have seen its heartbeat
 * stand still for `staleAfterMs` (two heartbeats by default).
 *
 * Time is measured with the monotonic clock, never by comparing wall-clock stamps: a system clock
 * set an hour forward or back (a time zone fix, NTP after a suspend) neither makes a live
 * writer's heartbeat look old, nor makes a dead one's (or one dated in the future) look fresh. The
 * writer likewise counts the age of its own last renewal on the monotonic clock, so after being
 * frozen (SIGSTOP, a debugger) for longer than `staleAfterMs` it writes nothing until it has
 * renewed, and renewing finds the lease taken and steps down.
 *
 * Taking over and heart-beating both happen while holding `lease.lock`, created with O_EXCL and
 * holding a random token, so two processes that see a stale lease at the same moment cannot both
 * take it: the second finds the first one's fresh heartbeat when it gets the lock. A lock left by
 * a process killed while holding it (a few milliseconds' window) is broken by the same rules as
 * the lease, and a holder removes the lock only while it still holds its own token.
 *
 * Every acquisition raises the lease's epoch (a fencing token), kept in the file across
 * releases. The history store names its journal segments and marks its snapshots with the epoch
 * they were written under, and replaces or deletes files only inside `whileCurrent`, which holds
 * the lock and checks that the epoch is still the lease's. A writer that wakes from a freeze in
 * the middle of a snapshot therefore finds itself fenced out instead of renaming its old database
 * over the new writer's, and lines it appends after the takeover are set aside when the history
 * is replayed (see `fenceLimits` in journal.ts).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Disposable } from '../disposable';
import { type Event, Emitter } from '../events';
import { HeartbeatWatch, THIS_HOST } from './heartbeatWatch';
import { ensurePrivateDirectory, openPrivateExclusive, writePrivateFileAtomically } from '../store/privateFiles';

export const LEASE_FILE = 'lease.json';
const LOCK_FILE = 'lease.lock';
/** How long a fenced write waits for the lock, which is held for milliseconds at a time. */
const FENCE_LOCK_ATTEMPTS = 50;
const FENCE_LOCK_RETRY_MS = 20;

export interface LeaseInfo {
  ownerId: string;
  pid: number;
  /** The machine the writer runs on: its pid means something only there. */
  host: string;
  /** Wall-clock stamps, for people reading the file; staleness never compares them with a clock. */
  acquiredAt: number;
  heartbeatAt: number;
  /** Raised by one at every acquisition: the fencing token of everything the writer writes. */
  epoch: number;
  /** Set by a writer that closed: the next process takes over at once, with a higher epoch. */
  released?: boolean;
}

export interface WriterLeaseOptions {
  directory: string;
  /** How often the writer proves it is alive (default 5 s). */
  heartbeatMs?: number;
  /** A heartbeat older than this means the writer is gone (default two heartbeats). */
  staleAfterMs?: number;
  /** Identifies this process in the lease; random by default. */
  ownerId?: string;
  /** The wall clock, for the stamps in the file (default Date.now). */
  now?: () => number;
  /** The monotonic clock every interval is measured on (default performance.now). */
  monotonicNow?: () => number;
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
  private readonly monotonicNow: () => number;
  private readonly leaseWatch: HeartbeatWatch;
  private readonly lockWatch: HeartbeatWatch;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private holding = false;
  /** Monotonic time of the last acquisition or renewal this process wrote. */
  private confirmedAt = 0;
  /** Wall-clock time of the acquisition, kept in the file across renewals. */
  private acquiredAt = 0;
  private currentEpoch = 0;
  private tookOverFromWriter = false;
  private disposed = false;

  private constructor(private readonly options: WriterLeaseOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.staleAfterMs = options.staleAfterMs ?? 2 * this.heartbeatMs;
    this.tickMs = Math.max(10, Math.floor(this.heartbeatMs / 4));
    this.ownerId = options.ownerId ?? randomBytes(8).toString('hex');
    this.now = options.now ?? Date.now;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
    this.leaseWatch = new HeartbeatWatch(this.staleAfterMs, this.monotonicNow);
    this.lockWatch = new HeartbeatWatch(this.staleAfterMs, this.monotonicNow);
  }

  /** Starts contending; resolves after the first attempt, so `isWriter` already says who writes. */
  static async start(options: WriterLeaseOptions): Promise<WriterLease> {
    await ensurePrivateDirectory(options.directory);
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
    return this.holding && this.monotonicNow() - this.confirmedAt < this.staleAfterMs - this.tickMs;
  }

  /** The epoch of this process's acquisition (0 before the first one). */
  get epoch(): number {
    return this.currentEpoch;
  }

  /**
   * The lease was taken from a writer that did not release it (it crashed, or it is frozen and
   * may wake up): the new writer should snapshot at once, so that its epoch outranks anything the
   * old one may still write.
   */
  get tookOver(): boolean {
    return this.tookOverFromWriter;
  }

  /**
   * Whether the lease file still names this process with `epoch`, read without the lock. True
   * after a write means a writer taking over later reads that write when it opens the history.
   */
  async isCurrent(epoch: number): Promise<boolean> {
    const current = await this.readLease();
    return current !== undefined && current.ownerId === this.ownerId && current.epoch === epoch && !current.released && this.holding;
  }

  /**
   * Runs `task` (a rename or a delete of shared files) holding the lock, only while `epoch` is
   * still this lease's and it was renewed recently enough that nobody can have taken over.
   * Returns false without running it otherwise; when another process holds the lease now, this
   * one steps down. A lock that stays busy for a second also returns false: try again later.
   */
  async whileCurrent(epoch: number, task: () => Promise<void>): Promise<boolean> {
    for (let attempt = 0; attempt < FENCE_LOCK_ATTEMPTS; attempt++) {
      let ran = false;
      const locked = await this.withLock(async () => {
        const current = await this.readLease();
        if (!current || current.ownerId !== this.ownerId || current.epoch !== epoch || current.released) {
          this.lose();
          return;
        }
        if (!this.isWriter || epoch !== this.currentEpoch) return;
        await task();
        ran = true;
      });
      if (locked) return ran;
      await new Promise((resolve) => setTimeout(resolve, FENCE_LOCK_RETRY_MS));
    }
    return false;
  }

  /**
   * Raises this writer's epoch above `floor` (files carry a higher one than the lease: the lease
   * file was deleted by hand or restored from a backup). Returns the epoch now in force.
   */
  async advanceEpochPast(floor: number): Promise<number> {
    if (floor < this.currentEpoch) return this.currentEpoch;
    const epoch = floor + 1;
    const advanced = await this.whileCurrent(this.currentEpoch, async () => {
      await this.writeLease({
        ownerId: this.ownerId,
        pid: process.pid,
        host: THIS_HOST,
        acquiredAt: this.acquiredAt,
        heartbeatAt: this.now(),
        epoch,
      });
      this.currentEpoch = epoch;
      this.confirmedAt = this.monotonicNow();
    });
    if (!advanced) throw new Error('This window lost the writer lease while it was opening the history.');
    return epoch;
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
      if (this.monotonicNow() - this.confirmedAt >= this.heartbeatMs - this.tickMs / 2) await this.withLock(() => this.renew());
      return;
    }
    const lease = await this.readLease();
    if (this.mayTake(lease)) await this.withLock(() => this.acquire());
  }

  /** No lease, our own, a released one, or one whose writer is gone. */
  private mayTake(lease: LeaseInfo | undefined): boolean {
    if (!lease || lease.released || lease.ownerId === this.ownerId) return true;
    return this.leaseWatch.isStale(LEASE_FILE, `${lease.ownerId} ${lease.heartbeatAt}`, lease);
  }

  private async acquire(): Promise<void> {
    const previous = await this.readLease();
    if (!this.mayTake(previous)) return;
    this.acquiredAt = this.now();
    const epoch = (previous?.epoch ?? 0) + 1;
    this.tookOverFromWriter = previous !== undefined && !previous.released && previous.ownerId !== this.ownerId;
    await this.writeLease({
      ownerId: this.ownerId,
      pid: process.pid,
      host: THIS_HOST,
      acquiredAt: this.acquiredAt,
      heartbeatAt: this.acquiredAt,
      epoch,
    });
    if (this.disposed) return;
    this.currentEpoch = epoch;
    this.holding = true;
    this.confirmedAt = this.monotonicNow();
    this.becameWriter.fire();
  }

  private async renew(): Promise<void> {
    const current = await this.readLease();
    if (!current || current.ownerId !== this.ownerId || current.epoch !== this.currentEpoch || current.released) {
      this.lose();
      return;
    }
    // Frozen past the point where others may have taken over: do not overwrite their lease.
    if (this.monotonicNow() - this.confirmedAt > this.staleAfterMs) {
      this.lose();
      return;
    }
    // A heartbeat always changes the file, even when the wall clock was set back to an earlier stamp.
    const heartbeatAt = Math.max(this.now(), current.heartbeatAt + 1);
    await this.writeLease({
      ownerId: this.ownerId,
      pid: process.pid,
      host: THIS_HOST,
      acquiredAt: this.acquiredAt,
      heartbeatAt,
      epoch: this.currentEpoch,
    });
    this.confirmedAt = this.monotonicNow();
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
    const token = `${this.ownerId} ${randomBytes(8).toString('hex')}`;
    let handle: fs.FileHandle;
    try {
      handle = await openPrivateExclusive(this.lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await this.breakLockIfAbandoned();
      return false;
    }
    try {
      await handle.writeFile(JSON.stringify({ token, pid: process.pid, host: THIS_HOST }));
      await handle.close();
      await task();
      return true;
    } finally {
      await this.removeLockHolding(token);
    }
  }

  /** Removes the lock only while it still holds `token`: never a lock another process made after breaking ours. */
  private async removeLockHolding(token: string): Promise<void> {
    const lock = await this.readLock();
    if (lock?.token === token) await fs.rm(this.lockPath, { force: true });
  }

  private async breakLockIfAbandoned(): Promise<void> {
    const lock = await this.readLock();
    if (!lock) return;
    // Judged by its whole content: a lock being written, left empty by a crash or in an older
    // format has no token or pid, and is broken once it has not changed for `staleAfterMs`.
    if (this.lockWatch.isStale(LOCK_FILE, lock.content, lock)) {
      // Re-read just before removing, so a lock that changed hands meanwhile stays.
      const again = await this.readLock();
      if (again?.content === lock.content) await fs.rm(this.lockPath, { force: true });
    }
  }

  private async readLock(): Promise<{ content: string; token: string | undefined; pid: number; host: string } | undefined> {
    let content: string;
    try {
      content = await fs.readFile(this.lockPath, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(content) as { token?: unknown; pid?: unknown; host?: unknown };
      return {
        content,
        token: typeof parsed.token === 'string' ? parsed.token : undefined,
        pid: typeof parsed.pid === 'number' ? parsed.pid : 0,
        host: typeof parsed.host === 'string' ? parsed.host : '',
      };
    } catch {
      return { content, token: undefined, pid: 0, host: '' };
    }
  }

  private async readLease(): Promise<LeaseInfo | undefined> {
    try {
      const parsed = JSON.parse(await fs.readFile(join(this.options.directory, LEASE_FILE), 'utf8')) as Partial<LeaseInfo>;
      if (typeof parsed.ownerId !== 'string' || typeof parsed.heartbeatAt !== 'number') return undefined;
      return {
        ownerId: parsed.ownerId,
        pid: typeof parsed.pid === 'number' ? parsed.pid : 0,
        host: typeof parsed.host === 'string' ? parsed.host : '',
        acquiredAt: parsed.acquiredAt ?? parsed.heartbeatAt,
        heartbeatAt: parsed.heartbeatAt,
        // A lease from before epochs counts as epoch 0.
        epoch: Number.isSafeInteger(parsed.epoch) && parsed.epoch! >= 0 ? parsed.epoch! : 0,
        released: parsed.released === true,
      };
    } catch {
      return undefined;
    }
  }

  /** Whole-file replace by rename, so a reader never sees half a lease. */
  private async writeLease(info: LeaseInfo): Promise<void> {
    await writePrivateFileAtomically(join(this.options.directory, LEASE_FILE), JSON.stringify(info));
  }

  /** Stops contending; a writer marks the lease released so another window takes over at once. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    this.disposed = true;
    if (this.holding) {
      this.holding = false;
      const release = async (): Promise<void> => {
        const current = await this.readLease();
        // Kept, not deleted: the next writer's epoch continues from this one's.
        if (current?.ownerId === this.ownerId && current.epoch === this.currentEpoch) await this.writeLease({ ...current, released: true });
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
