/**
 * How a process tells that another one, which proves it is alive by rewriting a file (the writer
 * lease, its lock, each window's targets), is gone, without trusting any wall clock: the system
 * clock can jump an hour either way, and another machine's clock is another clock. A holder is
 * gone when its process does not exist on this machine, or when its file's content has not
 * changed for `staleAfterMs` of this process's monotonic clock since this process first saw it.
 */
import { hostname } from 'node:os';

export const THIS_HOST = hostname();

/** Whether a process exists on this machine; a process of another user's still counts. */
export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where a heartbeat comes from: a process on a machine, when the file says (0 and '' when not). */
export interface HeartbeatHolder {
  pid: number;
  host: string;
}

export class HeartbeatWatch {
  /** File -> its content as last seen, and when (monotonic) it was first seen so. */
  private readonly seen = new Map<string, { key: string; at: number }>();

  constructor(
    private readonly staleAfterMs: number,
    private readonly monotonicNow: () => number,
  ) {}

  /**
   * Whether the holder of `file`, whose content is now summed up by `key` (a heartbeat stamp, or
   * the whole content), is gone. A file seen for the first time, or changed since, is alive.
   */
  isStale(file: string, key: string, holder: HeartbeatHolder = { pid: 0, host: '' }): boolean {
    if (holder.host === THIS_HOST && holder.pid !== process.pid && !processExists(holder.pid)) return true;
    const now = this.monotonicNow();
    const seen = this.seen.get(file);
    if (seen?.key !== key) {
      this.seen.set(file, { key, at: now });
      return false;
    }
    return now - seen.at > this.staleAfterMs;
  }

  /** Forgets files that are gone, so the map stays as small as the folder. */
  keepOnly(files: ReadonlySet<string>): void {
    for (const file of this.seen.keys()) if (!files.has(file)) this.seen.delete(file);
  }
}
