/**
 * Paths that lead to something other than a regular file, as a hostile setting or repository
 * could name them: a FIFO (made with the system's `mkfifo`), and a symlink to `/dev/zero`, a
 * device that reports size 0 and never ends. Unix only.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, symlinkSync } from 'node:fs';

export const SPECIAL_FILES_SUPPORTED = process.platform !== 'win32';

export function makeFifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

export function linkToDevZero(path: string): string {
  symlinkSync('/dev/zero', path);
  return path;
}

/**
 * Opens the FIFO for writing and closes it, so a reader that blocked in open() (code that does
 * not guard against FIFOs) gets end of file and frees its thread: the test process can then end.
 */
export function releaseFifoReaders(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // ENXIO: nobody is waiting to read it.
  }
}
