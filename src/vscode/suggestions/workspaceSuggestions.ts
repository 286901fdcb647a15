/**
 * Suggested targets: the addresses this workspace's files declare (`.http`/`.rest` requests,
 * compose ports, launch.json, `.env`) that no target watches, listed under the Targets view's
 * "Suggestions" node, and the command that turns one into a target.
 *
 * Reading starts once monitoring has started, never on the activation path: the files are listed
 * with the editor's file search (node_modules, .git and the user's `files.exclude` left out), read
 * by the core scanner (a bounded number of bytes each), and after that only a file the watcher
 * reports as changed is read again. An untrusted workspace is not read at all: its files are a
 * stranger's until the user trusts it.
 *
 * Accepting goes through Add Target with the user's choice of user or workspace settings, and the
 * engine checks the new target at once, as any new target. A header the file gave with a credential arrives as a
 * `${secret:NAME}` reference: the user is offered Store Secret for it; no value is ever copied.
 */
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { listSuggestions, SUGGESTION_FILE_GLOB, type SuggestedTarget } from '../../core/suggestions/suggestedTarget';
import { SuggestionScanner } from '../../core/suggestions/suggestionScanner';
import { TargetUrlIndex } from '../../core/targets/urlsInText';
import { ownArguments, isOwnArgument } from '../commands/commandArguments';
import { CommandId } from '../commands/commandIds';
import { commandRegistrar } from '../commands/commandRunner';
import type { SecretCommands } from '../commands/secretCommands';
import type { AddTargetArguments } from '../commands/targetCommands';
import { askSaveLevel } from '../commands/targetInput';
import type { SaveLevel, TargetConfiguration } from '../config/targetConfiguration';
import { entryLabel } from '../config/targetEntries';
import type { MonitorService } from '../monitor/monitorService';
import { showMessage } from '../notifications/editorMessages';
import { SuggestionNode, type SuggestionSource } from '../tree/suggestionNodes';
import type { TargetTreeProvider } from '../tree/targetTreeProvider';

/** Files listed at most: a workspace with more declaration files than this is a generated one. */
const MAX_FILES = 2_000;
/** Suggestions listed at most; the node says how many more there were. */
const MAX_SHOWN = 100;
/** Changes reported within this time are read together (a save often reports a file twice). */
const RESCAN_DELAY_MS = 300;
/** New paths in one moment beyond which the workspace is listed again rather than each path looked at. */
const MAX_CREATED_PATHS = 64;

/** Arguments for accepting without the pick; only from our own code and tests (commandArguments.ts). */
export interface AcceptSuggestionArguments {
  /** The suggestion's key (`SuggestedTarget.key`). */
  key: string;
  level: SaveLevel;
}

export interface WorkspaceSuggestionServices {
  tree: TargetTreeProvider;
  monitor: MonitorService;
  secretCommands: SecretCommands;
  log: vscode.LogOutputChannel;
  /** Where a target may be saved (a folder is open or not). */
  targets: Pick<TargetConfiguration, 'hasWorkspace' | 'held'>;
  /** Settles once monitoring has started; reading waits for it. */
  started: PromiseLike<void>;
}

export class WorkspaceSuggestions implements SuggestionSource, vscode.Disposable {
  private readonly scanner = new SuggestionScanner();
  private readonly index = new TargetUrlIndex();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;
  private shown: SuggestedTarget[] = [];
  private hidden = 0;
  private readonly subscriptions: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private readonly changedFiles = new Set<string>();
  private rescanTimer: NodeJS.Timeout | undefined;
  private readonly createdPaths = new Set<string>();
  private createdTimer: NodeJS.Timeout | undefined;
  /** One read at a time, in order: a full scan and a file's rescan never interleave. */
  private reading: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly services: WorkspaceSuggestionServices) {
    const register = commandRegistrar(services);
    this.subscriptions.push(
      services.tree.showSuggestions(this),
      register(CommandId.AcceptSuggestion, (argument: unknown) => this.accept(argument)),
      services.monitor.onDidChangeTargets(() => this.relist()),
    );
    void Promise.resolve(services.started).then(() => this.start());
  }

  get suggestions(): readonly SuggestedTarget[] {
    return this.shown;
  }

  get leftOut(): number {
    return this.hidden;
  }

  private start(): void {
    if (this.disposed) return;
    this.subscriptions.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.startReading()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.scanAll()),
      vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration('files.exclude') && this.scanAll()),
    );
    if (vscode.workspace.isTrusted) this.startReading();
  }

  private startReading(): void {
    if (this.disposed || this.watcher) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(SUGGESTION_FILE_GLOB);
    const changed = (uri: vscode.Uri): void => this.fileChanged(uri);
    // A folder that appears whole (a checkout, an unpacked archive, a folder moved in) is reported
    // as the folder alone, not as the files in it: creations of anything are watched for folders.
    const created = vscode.workspace.createFileSystemWatcher('**/*', false, true, true);
    this.subscriptions.push(
      this.watcher,
      this.watcher.onDidCreate(changed),
      this.watcher.onDidChange(changed),
      this.watcher.onDidDelete(changed),
      created,
      created.onDidCreate((uri) => this.pathCreated(uri)),
    );
    this.scanAll();
  }

  /** Lists every declaration file again and reads them all. */
  private scanAll(): void {
    if (!vscode.workspace.isTrusted) return;
    this.queue(async () => {
      const files = await vscode.workspace.findFiles(SUGGESTION_FILE_GLOB, excludeGlob(), MAX_FILES);
      const paths = files.filter((uri) => uri.scheme === 'file').map((uri) => uri.fsPath);
      const started = performance.now();
      this.scanner.forgetAll();
      const { unread } = await this.scanner.scan(paths);
      this.services.log.info(
        `Suggested targets: read ${paths.length - unread} file(s) in ${(performance.now() - started).toFixed(0)} ms` +
          `${files.length >= MAX_FILES ? ` (the first ${MAX_FILES} found)` : ''}${unread > 0 ? `; ${unread} left unread, past the byte limit of a scan` : ''}.`,
      );
    });
  }

  private fileChanged(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    this.changedFiles.add(uri.fsPath);
    clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => {
      const changed = [...this.changedFiles];
      this.changedFiles.clear();
      this.queue(async () => {
        const affected = new Set<string>();
        for (const path of changed) {
          // A file gone, or in an excluded folder (node_modules, files.exclude), is not read: ask the file search whether it lists it.
          const listed = await isListed(path);
          if (!listed) this.scanner.forget(path);
          for (const file of this.scanner.affectedBy(path)) if (file !== path || listed) affected.add(file);
        }
        await this.scanner.scan([...affected]);
      });
    }, RESCAN_DELAY_MS);
  }

  /** Collects created paths for a moment, then reads the declaration files of those that are folders. */
  private pathCreated(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    this.createdPaths.add(uri.fsPath);
    clearTimeout(this.createdTimer);
    this.createdTimer = setTimeout(() => {
      // What a new folder holds is in it: only the topmost new paths can be new folders worth a look.
      const paths = topmostPaths(this.createdPaths);
      this.createdPaths.clear();
      // A build creates files by the thousand: past a few dozen new places, list everything again.
      if (paths.length > MAX_CREATED_PATHS) {
        this.scanAll();
        return;
      }
      void (async () => {
        for (const path of paths) {
          if (this.disposed) return;
          const folder = vscode.Uri.file(path);
          const stat = await Promise.resolve(vscode.workspace.fs.stat(folder)).catch(() => undefined);
          if (stat?.type !== vscode.FileType.Directory) continue;
          const files = await vscode.workspace.findFiles(
            new vscode.RelativePattern(folder, SUGGESTION_FILE_GLOB),
            excludeGlob(),
            MAX_FILES,
          );
          for (const file of files) this.fileChanged(file);
        }
      })().catch((error) =>
        this.services.log.warn(`Suggested targets: a new folder could not be read: ${(error as Error).stack ?? error}`),
      );
    }, RESCAN_DELAY_MS);
  }

  private queue(read: () => Promise<void>): void {
    this.reading = this.reading
      .then(async () => {
        if (this.disposed) return;
        await read();
        this.relist();
      })
      .catch((error) => this.services.log.warn(`Suggested targets could not be read: ${(error as Error).stack ?? error}`));
  }

  /** Recomputes the list: each address once, none a target already watches. */
  private relist(): void {
    if (this.disposed) return;
    this.index.rebuild(this.services.monitor.snapshots().map((snapshot) => snapshot.configured.target));
    const { shown, leftOut } = vscode.workspace.isTrusted
      ? listSuggestions(this.scanner.byFile, (key) => this.index.targetFor(key) !== undefined, MAX_SHOWN)
      : { shown: [], leftOut: 0 };
    const same = shown.length === this.shown.length && shown.every((suggestion, at) => suggestion === this.shown[at]);
    this.shown = shown;
    this.hidden = leftOut;
    if (!same) this.changeEmitter.fire();
  }

  /**
   * Monitors a suggestion: the tree's node (a click, or the inline action), or our own arguments.
   * The node only names the suggestion; what is saved is the suggestion as it is listed now.
   */
  private async accept(argument: unknown): Promise<string | undefined> {
    const own = isOwnArgument(argument) ? (argument as AcceptSuggestionArguments) : undefined;
    const key = argument instanceof SuggestionNode ? argument.suggestion.key : own?.key;
    const suggestion = key === undefined ? await this.pick() : this.shown.find((candidate) => candidate.key === key);
    if (!suggestion) {
      if (key !== undefined)
        throw new Error(vscode.l10n.t('That suggestion is no longer listed: its file changed, or a target watches it now.'));
      return undefined;
    }
    const level = own?.level ?? (await askSaveLevel(suggestion.entry.url, this.services.targets.hasWorkspace));
    if (!level) return undefined;
    const { entry, renamed } = withUnusedSecretNames(suggestion, new Set(this.services.secretCommands.names()));
    const args: AddTargetArguments = { url: entry.url, name: entry.name, method: entry.method, headers: entry.headers, level };
    const id = await vscode.commands.executeCommand<string | undefined>(CommandId.AddTarget, ownArguments(args));
    // A target whose secret is not stored yet is saved but held back, so it has no id yet.
    const heldForSecret = renamed.length > 0 && this.services.targets.held.some((held) => held.label === entryLabel(entry));
    if (!id && !heldForSecret) return undefined;
    this.services.log.info(
      `Monitoring ${entry.url}, suggested by ${vscode.workspace.asRelativePath(suggestion.file)}:${suggestion.line}${renamed.length > 0 ? `; secrets to store: ${renamed.join(', ')}` : ''}.`,
    );
    // The engine checks a new target at once; one with a secret waits until the user stores it.
    if (renamed.length === 0) return id;
    const store = vscode.l10n.t('Store Secret');
    void showMessage(
      'info',
      vscode.l10n.t(
        "The new target's headers refer to the secret(s) {0}; no value was copied from the file. Store them to have it checked.",
        renamed.join(', '),
      ),
      store,
    ).then(async (choice) => {
      if (choice !== store) return;
      for (const name of renamed) await this.services.secretCommands.store(undefined, name);
    });
    return id;
  }

  /** Without a suggestion named (the palette, a keybinding), the user picks one of the list. */
  private async pick(): Promise<SuggestedTarget | undefined> {
    if (this.shown.length === 0) {
      void showMessage('info', vscode.l10n.t('Nothing to suggest: no file in this workspace declares an address that no target watches.'));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      this.shown.map((suggestion) => ({
        label: suggestion.label,
        description: `${vscode.workspace.asRelativePath(suggestion.file)}:${suggestion.line}`,
        suggestion,
      })),
      { title: vscode.l10n.t('Monitor a Suggested Target'), matchOnDescription: true },
    );
    return picked?.suggestion;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.rescanTimer);
    clearTimeout(this.createdTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }
}

/**
 * The suggestion's entry with each secret reference named so that no secret the user has stored
 * is used: the file chose the names, and a stored secret is the user's to give, as Import Targets
 * does. Returns the names the entry refers to.
 */
function withUnusedSecretNames(
  suggestion: SuggestedTarget,
  stored: ReadonlySet<string>,
): { entry: SuggestedTarget['entry']; renamed: string[] } {
  const headers = { ...suggestion.entry.headers };
  const renamed: string[] = [];
  for (const secret of suggestion.secrets) {
    let name = secret.name;
    for (let n = 2; stored.has(name) || renamed.includes(name); n++) name = `${secret.name}-${n}`;
    renamed.push(name);
    const value = headers[secret.header];
    if (value !== undefined) headers[secret.header] = value.replace(`\${secret:${secret.name}}`, `\${secret:${name}}`);
  }
  return { entry: { ...suggestion.entry, ...(suggestion.entry.headers ? { headers } : {}) }, renamed };
}

/** node_modules and .git, and the user's `files.exclude` patterns that are on (a pattern with braces or commas cannot join the group and is left out). */
function excludeGlob(): string {
  const excludes = vscode.workspace.getConfiguration('files').get<Record<string, unknown>>('exclude') ?? {};
  const patterns = ['**/node_modules/**', '**/.git/**'];
  for (const [pattern, on] of Object.entries(excludes)) if (on === true && !/[{},]/.test(pattern)) patterns.push(pattern);
  return `{${patterns.join(',')}}`;
}

/** The paths of `paths` that lie in none of the others. */
function topmostPaths(paths: ReadonlySet<string>): string[] {
  return [...paths].filter((path) => {
    for (let parent = dirname(path); parent !== dirname(parent); parent = dirname(parent)) if (paths.has(parent)) return false;
    return true;
  });
}

/** Whether the file search lists `path` (it may be gone, or in an excluded folder). */
async function isListed(path: string): Promise<boolean> {
  const uri = vscode.Uri.file(path);
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return false;
  const relative = vscode.workspace.asRelativePath(uri, false);
  const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, relative), excludeGlob(), 1);
  return found.length > 0;
}
