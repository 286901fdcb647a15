/**
 * Reads the files that declare targets and keeps each one's suggestions, so a changed file is read
 * again alone. The caller lists the files (the editor's file search, a directory walk in the bench);
 * this reads at most `maxBytes` of each, a few files at a time, and parses them in small
 * synchronous steps, so a large workspace never holds the event loop for long.
 *
 * A `.http` file and a compose file take variables from the `.env` beside them: when that `.env`
 * changes, they are read again too (`affectedBy`).
 */
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { composeFileSuggestions } from './composeFile';
import { envFileSuggestions, parseEnvFile, type EnvValue } from './envFile';
import { httpFileSuggestions } from './httpRequestFile';
import { launchConfigSuggestions } from './launchConfig';
import { suggestionFileKind, type SuggestedTarget } from './suggestedTarget';

/** Bytes read of one file at most: a declaration file is small, and a generated one is not worth more. */
export const MAX_BYTES_PER_FILE = 256 * 1024;
/** Bytes read by one scan at most: a repository of thousands of large request files is read in part, not whole. */
export const MAX_BYTES_PER_SCAN = 32 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 8;

export interface FileStart {
  text: string;
  /** The file is longer than what was read. */
  truncated: boolean;
}

/** The first `maxBytes` of the file as UTF-8, or undefined when it cannot be read (gone, a folder, no permission). */
export async function readFileStart(path: string, maxBytes: number): Promise<FileStart | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
    // One byte more than allowed tells whether there is more.
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const truncated = bytesRead > maxBytes;
    return { text: buffer.subarray(0, Math.min(bytesRead, maxBytes)).toString('utf8'), truncated };
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export interface ScannerOptions {
  maxBytesPerFile?: number;
  maxBytesPerScan?: number;
  /** Files read at the same time. */
  concurrency?: number;
}

export class SuggestionScanner {
  private readonly files = new Map<string, SuggestedTarget[]>();
  private readonly maxBytes: number;
  private readonly maxBytesPerScan: number;
  private readonly concurrency: number;

  constructor(options: ScannerOptions = {}) {
    this.maxBytes = options.maxBytesPerFile ?? MAX_BYTES_PER_FILE;
    this.maxBytesPerScan = options.maxBytesPerScan ?? MAX_BYTES_PER_SCAN;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  }

  /** Each file read so far and its suggestions. */
  get byFile(): ReadonlyMap<string, readonly SuggestedTarget[]> {
    return this.files;
  }

  /**
   * Reads `paths` (again), replacing what they said before; a file that cannot be read is
   * forgotten, and so is one left unread once the scan has read `maxBytesPerScan`. Returns how
   * many were left unread.
   */
  async scan(paths: readonly string[]): Promise<{ unread: number }> {
    /** Bytes this scan may still read. */
    const budget = { left: this.maxBytesPerScan };
    let unread = 0;
    const envFiles = new Map<string, Promise<Map<string, EnvValue>>>();
    const envBeside = (file: string): Promise<Map<string, EnvValue>> => {
      const path = join(dirname(file), '.env');
      let env = envFiles.get(path);
      if (!env) {
        env = this.readText(path, 'lines', budget).then((text) => (text === undefined ? new Map() : parseEnvFile(text)));
        envFiles.set(path, env);
      }
      return env;
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const path = paths[next++]!;
        if (budget.left <= 0) {
          this.files.delete(path);
          unread++;
          continue;
        }
        const suggestions = await this.read(path, envBeside, budget);
        if (suggestions === undefined) this.files.delete(path);
        else this.files.set(path, suggestions);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, paths.length) }, worker));
    return { unread };
  }

  forget(path: string): void {
    this.files.delete(path);
  }

  forgetAll(): void {
    this.files.clear();
  }

  /** The files to read again when `path` changed: itself, and for a `.env`, the files read before that take variables from it. */
  affectedBy(path: string): string[] {
    const affected = [path];
    if (suggestionFileKind(path) !== 'env') return affected;
    const folder = dirname(path);
    for (const file of this.files.keys()) {
      const kind = suggestionFileKind(file);
      if ((kind === 'http' || kind === 'compose') && dirname(file) === folder && file !== path) affected.push(file);
    }
    return affected;
  }

  private async read(
    path: string,
    envBeside: (file: string) => Promise<Map<string, EnvValue>>,
    budget: { left: number },
  ): Promise<SuggestedTarget[] | undefined> {
    const kind = suggestionFileKind(path);
    if (kind === undefined) return undefined;
    const text = await this.readText(path, kind === 'http' || kind === 'env' ? 'lines' : 'whole', budget);
    if (text === undefined) return undefined;
    switch (kind) {
      case 'http':
        return httpFileSuggestions(path, text, await envBeside(path));
      case 'compose':
        return composeFileSuggestions(path, text, await envBeside(path));
      case 'launch':
        return launchConfigSuggestions(path, text);
      case 'env':
        return envFileSuggestions(path, text);
    }
  }

  /**
   * The file's text within the byte limit. A file read by lines keeps the lines that fit whole; a
   * structured file (YAML, JSON) longer than the limit is not read, as its start alone may not parse.
   */
  private async readText(path: string, shape: 'lines' | 'whole', budget: { left: number }): Promise<string | undefined> {
    const start = await readFileStart(path, this.maxBytes);
    if (!start) return undefined;
    budget.left -= start.text.length;
    if (!start.truncated) return start.text;
    if (shape === 'whole') return '';
    const lastBreak = start.text.lastIndexOf('\n');
    return lastBreak < 0 ? '' : start.text.slice(0, lastBreak);
  }
}
