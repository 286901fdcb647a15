/**
 * A file-system layer for power-loss tests. Installed in the test's own process, it watches every
 * write, sync, create, rename and delete the store makes in one folder (through `fs.promises` and
 * its FileHandle) and keeps a model of what a disk would still hold if the power went out at that
 * moment: a file's bytes only up to its last fsync or fdatasync, and the folder's names only as of
 * its last fsync. `crashImage` freezes that state; `materialize` writes it into a new folder,
 * either as the strict POSIX minimum (every write not yet synced dropped) or with some of those
 * writes kept, torn or zero-filled and some renames, creates and deletes applied out of order, as
 * real file systems and disks do.
 *
 * The store's writes are whole files or appends, so a file's content is modelled as the bytes
 * appended through its handles; the store does not rewrite files in place.
 */
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { RandomSource } from '../../../../src/core/anomaly/seededRandom';

interface FileModel {
  /** Everything written so far. */
  bytes: Buffer;
  /** How much of it was synced. */
  syncedLength: number;
}

type DirectoryOperation =
  { kind: 'create'; name: string; file: FileModel } | { kind: 'rename'; from: string; to: string } | { kind: 'remove'; name: string };

/** The disk's state at one moment, with what the test knew then. */
export interface CrashImage<T> {
  /** Names as of the folder's last fsync. */
  durableNames: Map<string, { file: FileModel; syncedLength: number; length: number }>;
  /** Changes to the folder since its last fsync, in order. */
  pendingOperations: { operation: DirectoryOperation; syncedLength: number; length: number }[];
  /** What the caller said about this moment (for example how many checks were durable). */
  label: T;
}

type Handle = fs.FileHandle;
type HandleMethods = Pick<Handle, 'write' | 'sync' | 'datasync' | 'writeFile'>;

export class PowerLossFileSystem<T> {
  private readonly directory: string;
  private current = new Map<string, FileModel>();
  private durable = new Map<string, FileModel>();
  private pending: DirectoryOperation[] = [];
  private readonly handles = new WeakMap<Handle, FileModel | 'directory'>();
  private readonly restorers: (() => void)[] = [];
  readonly images: CrashImage<T>[] = [];

  /**
   * `label` is called after every operation that changes what the disk would hold, and its
   * answer is kept with the image taken then.
   */
  constructor(
    directory: string,
    private readonly label: () => T,
  ) {
    this.directory = resolve(directory);
  }

  /** Starts watching; call `uninstall` when done. The folder must start empty. */
  async install(): Promise<void> {
    const probe = await fs.open(__filename, 'r');
    const handlePrototype = Object.getPrototypeOf(probe) as HandleMethods;
    await probe.close();
    // The handle methods below need the handle as `this`; these reach the model.
    const modelOf = (handle: Handle): FileModel | 'directory' | undefined => this.handles.get(handle);
    const changed = (): void => this.snapshot();
    const directorySynced = (): void => {
      this.durable = new Map(this.current);
      this.pending = [];
    };

    const open = fs.open;
    this.patch(
      fs,
      'open',
      async (path: Parameters<typeof fs.open>[0], flags?: Parameters<typeof fs.open>[1], mode?: Parameters<typeof fs.open>[2]) => {
        const handle = await open.call(fs, path, flags, mode);
        const name = this.nameIn(path);
        if (resolve(String(path)) === this.directory) this.handles.set(handle, 'directory');
        else if (name !== undefined && creates(flags)) {
          const file: FileModel = { bytes: Buffer.alloc(0), syncedLength: 0 };
          this.current.set(name, file);
          this.pending.push({ kind: 'create', name, file });
          this.handles.set(handle, file);
          this.snapshot();
        }
        return handle;
      },
    );
    const rename = fs.rename;
    this.patch(fs, 'rename', async (from: Parameters<typeof fs.rename>[0], to: Parameters<typeof fs.rename>[1]) => {
      await rename.call(fs, from, to);
      const fromName = this.nameIn(from);
      const toName = this.nameIn(to);
      if (fromName === undefined || toName === undefined) return;
      const file = this.current.get(fromName);
      this.current.delete(fromName);
      if (file) this.current.set(toName, file);
      this.pending.push({ kind: 'rename', from: fromName, to: toName });
      this.snapshot();
    });
    const rm = fs.rm;
    this.patch(fs, 'rm', async (path: Parameters<typeof fs.rm>[0], options?: Parameters<typeof fs.rm>[1]) => {
      await rm.call(fs, path, options);
      const name = this.nameIn(path);
      if (name === undefined || !this.current.has(name)) return;
      this.current.delete(name);
      this.pending.push({ kind: 'remove', name });
      this.snapshot();
    });

    const write = handlePrototype.write as (this: Handle, ...args: unknown[]) => Promise<{ bytesWritten: number }>;
    this.patch(handlePrototype, 'write', async function (this: Handle, ...args: unknown[]) {
      const result = await write.apply(this, args);
      const file = modelOf(this);
      if (file && file !== 'directory' && Buffer.isBuffer(args[0])) {
        const offset = typeof args[1] === 'number' ? args[1] : 0;
        file.bytes = Buffer.concat([file.bytes, args[0].subarray(offset, offset + result.bytesWritten)]);
        changed();
      }
      return result;
    });
    const writeFile = handlePrototype.writeFile as (this: Handle, data: string | Uint8Array) => Promise<void>;
    this.patch(handlePrototype, 'writeFile', async function (this: Handle, data: string | Uint8Array) {
      await writeFile.call(this, data);
      const file = modelOf(this);
      if (file && file !== 'directory') {
        file.bytes = Buffer.concat([file.bytes, Buffer.from(data)]);
        changed();
      }
    });
    for (const method of ['sync', 'datasync'] as const) {
      const original = handlePrototype[method] as (this: Handle) => Promise<void>;
      this.patch(handlePrototype, method, async function (this: Handle) {
        await original.call(this);
        const target = modelOf(this);
        if (target === 'directory') directorySynced();
        else if (target) target.syncedLength = target.bytes.length;
        if (target) changed();
      });
    }
  }

  uninstall(): void {
    for (const restore of this.restorers.splice(0).reverse()) restore();
  }

  /**
   * Writes the disk as it would be after a power cut at `image` into `target` (an empty folder).
   * Without `random`, the strict minimum; with it, each write not yet synced is kept whole, torn,
   * zero-filled or dropped, and each pending change to the folder applied or not, at random.
   */
  static async materialize<T>(image: CrashImage<T>, target: string, random?: RandomSource): Promise<void> {
    const files = new Map<string, { file: FileModel; syncedLength: number; length: number }>(image.durableNames);
    if (random) {
      for (const { operation, syncedLength, length } of image.pendingOperations) {
        if (random() < 0.5) continue;
        if (operation.kind === 'create') files.set(operation.name, { file: operation.file, syncedLength, length });
        else if (operation.kind === 'remove') files.delete(operation.name);
        else {
          const moved = files.get(operation.from);
          if (!moved) continue;
          files.delete(operation.from);
          files.set(operation.to, moved);
        }
      }
    }
    for (const [name, { file, syncedLength, length }] of files) {
      let bytes = file.bytes.subarray(0, syncedLength);
      if (random && length > syncedLength) {
        const kept = syncedLength + Math.floor(random() * (length - syncedLength + 1));
        const choice = random();
        if (choice < 0.4) bytes = file.bytes.subarray(0, kept);
        else if (choice < 0.6) bytes = Buffer.concat([bytes, Buffer.alloc(kept - syncedLength)]);
      }
      await fs.writeFile(join(target, name), bytes);
    }
  }

  /** The name of `path` in the watched folder, or undefined for anything elsewhere. */
  private nameIn(path: unknown): string | undefined {
    if (typeof path !== 'string') return undefined;
    const absolute = resolve(path);
    return dirname(absolute) === this.directory ? basename(absolute) : undefined;
  }

  /** Records the disk's state now; lengths are copied because files keep growing. */
  private snapshot(): void {
    const lengths = (file: FileModel): { syncedLength: number; length: number } => ({
      syncedLength: file.syncedLength,
      length: file.bytes.length,
    });
    this.images.push({
      durableNames: new Map([...this.durable].map(([name, file]) => [name, { file, ...lengths(file) }])),
      pendingOperations: this.pending.map((operation) => ({
        operation,
        ...(operation.kind === 'create' ? lengths(operation.file) : { syncedLength: 0, length: 0 }),
      })),
      label: this.label(),
    });
  }

  private patch<O extends object, K extends keyof O>(owner: O, key: K, replacement: unknown): void {
    const original = owner[key];
    owner[key] = replacement as O[K];
    this.restorers.push(() => {
      owner[key] = original;
    });
  }
}

function creates(flags: unknown): boolean {
  if (typeof flags === 'number') return (flags & constants.O_CREAT) !== 0;
  return typeof flags === 'string' && /[wa]/.test(flags);
}
