/**
 * The targets as configured: `networkMonitor.targets` of user, workspace and folder settings
 * merged (`targetEntries.ts` has the rules), secret header references resolved from
 * SecretStorage, and edits written back to the level an entry came from.
 */
import * as vscode from 'vscode';
import type { TargetDefaults, TargetEntry, TargetEntryObject } from '../../core/targets/target';
import { DEFAULT_TARGET_DEFAULTS } from '../../core/targets/target';
import type { MonitorSettings } from './monitorSettings';
import { SETTINGS_SECTION } from './monitorSettings';
import { entryApprovalKey } from '../../core/targets/workspaceEntryPolicy';
import type { EntryApprovals, PendingApproval } from './entryApprovals';
import {
  collectTargets,
  compactEntry,
  describeOrigin,
  entryAsObject,
  entryLabel,
  parseStoredSecret,
  type ConfiguredTarget,
  type EntryList,
  type EntryOrigin,
  type EntryProblem,
  type HeldEntry,
  type SecretLookup,
  type SettingsLevel,
} from './targetEntries';
import { MAX_UNTRUSTED_SETTINGS_BYTES, readUntrustedSettingsFile, settingsObjectIn } from './untrustedSettingsFile';

const TARGETS_KEY = 'targets';
const SECRET_PREFIX = 'networkMonitor.secret.';

export function secretStorageKey(name: string): string {
  return `${SECRET_PREFIX}${name}`;
}

/** Reads `${secret:NAME}` values, with the origins they were stored for, from Secret Storage. */
export function secretLookupFrom(secrets: vscode.SecretStorage): SecretLookup {
  return async (name) => parseStoredSecret(await secrets.get(secretStorageKey(name)));
}

/** Where a new entry is saved. */
export type SaveLevel = 'user' | 'workspace';

export class TargetConfiguration implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<readonly ConfiguredTarget[]>();
  /** Fires after the merged list was re-read (a settings file or a secret changed). */
  readonly onDidChange = this.changeEmitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private current: ConfiguredTarget[] = [];
  private currentHeld: HeldEntry[] = [];
  private readonly reportedProblems = new Set<string>();
  /** Every broken entry reported so far, oldest first (the end-to-end suites read it). */
  readonly reported: EntryProblem[] = [];
  private reading: Promise<void> = Promise.resolve();
  private writing: Promise<unknown> = Promise.resolve();
  private generation = 0;

  constructor(
    private readonly settings: MonitorSettings,
    private readonly secrets: vscode.SecretStorage,
    /** The user's approvals of workspace entries that may not run on their own. */
    private readonly approvals: EntryApprovals,
    /** Told about each broken entry once (a warning and a log line). */
    private readonly onProblem: (problem: EntryProblem) => void,
    /** Told when the settings could not be read at all (the previous list stays in force). */
    private readonly onReadError: (error: unknown) => void,
  ) {
    const reloadQuietly = (): void => {
      this.reload().catch((error: unknown) => this.onReadError(error));
    };
    this.subscriptions.push(
      settings.onDidChange((areas) => {
        if (areas.has('targets') || areas.has('defaults')) reloadQuietly();
      }),
      secrets.onDidChange((event) => {
        if (event.key.startsWith(SECRET_PREFIX)) reloadQuietly();
      }),
      approvals.onDidChange(() => reloadQuietly()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => reloadQuietly()),
      // Held workspace targets start as soon as the user trusts the workspace, without a reload.
      vscode.workspace.onDidGrantWorkspaceTrust(() => reloadQuietly()),
    );
  }

  get targets(): readonly ConfiguredTarget[] {
    return this.current;
  }

  /** Entries that are not checked, with why: the workspace is not trusted, or a secret was refused. */
  get held(): readonly HeldEntry[] {
    return this.currentHeld;
  }

  find(targetId: string): ConfiguredTarget | undefined {
    return this.current.find((configured) => configured.target.id === targetId);
  }

  get defaults(): TargetDefaults {
    const { intervalSeconds, timeoutMs } = this.settings.values.defaults;
    return { ...DEFAULT_TARGET_DEFAULTS, intervalMs: intervalSeconds * 1000, timeoutMs };
  }

  /** Re-reads every level; resolves once the new list is published. Overlapping calls coalesce in order. */
  reload(): Promise<void> {
    const generation = ++this.generation;
    const work = this.reading.then(async () => {
      if (generation !== this.generation) return;
      const lists = this.entryLists();
      // Restricted Mode: a repository's settings are not the user's words until the workspace is trusted.
      const trusted = vscode.workspace.isTrusted;
      const checked = trusted ? lists : lists.filter((list) => list.level === 'user');
      const { targets, problems } = await collectTargets(checked, this.defaults, secretLookupFrom(this.secrets), this.approvals.approved);
      const waitingForTrust = trusted ? [] : await untrustedEntryLists();
      if (generation !== this.generation) return;
      const untrusted: HeldEntry[] = waitingForTrust.flatMap((list) =>
        (Array.isArray(list.entries) ? list.entries : []).map((entry, index) => ({
          origin: { level: list.level, folder: list.folder, index },
          label: entryLabel(entry),
          kind: 'untrusted' as const,
          reason: vscode.l10n.t('Not checked until you trust this workspace: its settings come from the folder you opened, not from you.'),
        })),
      );
      const refused: HeldEntry[] = problems.flatMap((problem) =>
        problem.refused
          ? [
              {
                origin: problem.origin,
                label: problem.refused.label,
                kind: problem.approval ? ('approval' as const) : ('refused' as const),
                reason: problem.refused.reason,
                approval: problem.approval,
              },
            ]
          : [],
      );
      this.currentHeld = [...untrusted, ...refused];
      for (const problem of problems) {
        if (this.reportedProblems.has(problem.key)) continue;
        this.reportedProblems.add(problem.key);
        this.reported.push(problem);
        this.onProblem(problem);
      }
      this.current = targets;
      this.changeEmitter.fire(targets);
    });
    // A failed read must not block the ones after it.
    this.reading = work.catch(() => undefined);
    return work;
  }

  /**
   * The workspace entries the user may approve: those held until approved, and unapproved writes
   * that run but are refused when their host resolves to a loopback or private address.
   */
  pendingApprovals(): PendingApproval[] {
    const held = this.currentHeld.flatMap((entry) =>
      entry.approval ? [{ ...entry.approval, where: describeOrigin(entry.origin), reason: entry.reason }] : [],
    );
    const unapprovedWrites = this.current
      .filter((configured) => configured.target.writesNeedPublicAddress)
      .map((configured) => ({
        key: entryApprovalKey(configured.entry),
        entry: configured.entry,
        where: describeOrigin(configured.origin),
        reason: vscode.l10n.t(
          'It sends {0} with a body or a method other than GET and HEAD every interval; until you approve it, that request is not sent where {1} resolves to an address on this machine or your private network.',
          configured.target.url,
          configured.target.host,
        ),
      }));
    return [...held, ...unapprovedWrites];
  }

  /** Every entry as written, valid or not, with its level: for listings such as which targets use a secret. */
  rawEntries(): { entry: TargetEntry; level: SettingsLevel }[] {
    return this.entryLists().flatMap((list) =>
      (Array.isArray(list.entries) ? list.entries : [])
        .filter(
          (entry): entry is TargetEntry =>
            typeof entry === 'string' ||
            (typeof entry === 'object' && entry !== null && typeof (entry as { url?: unknown }).url === 'string'),
        )
        .map((entry) => ({ entry, level: list.level })),
    );
  }

  private entryLists(): EntryList[] {
    const lists: EntryList[] = [];
    const inspected = vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<unknown>(TARGETS_KEY);
    lists.push({ level: 'user', entries: inspected?.globalValue });
    lists.push({ level: 'workspace', entries: inspected?.workspaceValue });
    // A single-folder workspace's folder settings are its workspace settings: read them once.
    const folders = vscode.workspace.workspaceFile ? (vscode.workspace.workspaceFolders ?? []) : [];
    for (const folder of folders) {
      const value = vscode.workspace.getConfiguration(SETTINGS_SECTION, folder.uri).inspect<unknown>(TARGETS_KEY)?.workspaceFolderValue;
      lists.push({ level: 'folder', folder: { name: folder.name, uri: folder.uri.toString() }, entries: value });
    }
    return lists;
  }

  get hasWorkspace(): boolean {
    return (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  }

  // ---- Edits -----------------------------------------------------------------------------------

  /** Appends an entry to user or workspace settings; resolves once the new list is read. */
  add(entry: TargetEntry, level: SaveLevel): Promise<void> {
    return this.edit(level === 'user' ? { level: 'user' } : { level: 'workspace' }, (entries) => [...entries, entry]);
  }

  /** Appends several entries to user settings in one write (an import). */
  addAll(entries: readonly TargetEntry[]): Promise<void> {
    return this.edit({ level: 'user' }, (existing) => [...existing, ...entries]);
  }

  /** Replaces the entry of `targetId` where it lives, keeping its position. */
  update(targetId: string, change: (entry: TargetEntryObject) => TargetEntryObject): Promise<void> {
    const configured = this.require(targetId);
    return this.edit(configured.origin, (entries) => {
      const index = this.indexOf(entries, configured);
      const next = [...entries];
      next[index] = compactEntry(change(entryAsObject(entries[index] as TargetEntry)));
      return next;
    });
  }

  remove(targetId: string): Promise<void> {
    const configured = this.require(targetId);
    return this.edit(configured.origin, (entries) => {
      const index = this.indexOf(entries, configured);
      return entries.filter((_, i) => i !== index);
    });
  }

  /** Sets `paused` on every given target, one write per settings level. */
  async setPaused(targetIds: readonly string[], paused: boolean): Promise<void> {
    const byLevel = new Map<string, ConfiguredTarget[]>();
    for (const id of targetIds) {
      const configured = this.require(id);
      if (configured.target.paused === paused) continue;
      const key = `${configured.origin.level}|${configured.origin.folder?.uri ?? ''}`;
      byLevel.set(key, [...(byLevel.get(key) ?? []), configured]);
    }
    for (const group of byLevel.values()) {
      await this.edit(group[0]!.origin, (entries) => {
        const next = [...entries];
        for (const configured of group) {
          const index = this.indexOf(next, configured);
          next[index] = compactEntry({ ...entryAsObject(next[index] as TargetEntry), paused });
        }
        return next;
      });
    }
  }

  private require(targetId: string): ConfiguredTarget {
    const configured = this.find(targetId);
    if (!configured)
      throw new Error(`No target with id "${targetId}" is configured; it may have been removed from the settings meanwhile.`);
    return configured;
  }

  /** The entry's index now: settings may have been edited by hand since the list was read. */
  private indexOf(entries: readonly unknown[], configured: ConfiguredTarget): number {
    const written = JSON.stringify(configured.entry);
    if (JSON.stringify(entries[configured.origin.index]) === written) return configured.origin.index;
    const index = entries.findIndex((entry) => JSON.stringify(entry) === written);
    if (index < 0) throw new Error(`The settings entry for ${configured.target.name} changed on disk; try again.`);
    return index;
  }

  private edit(origin: Pick<EntryOrigin, 'level' | 'folder'>, change: (entries: unknown[]) => unknown[]): Promise<void> {
    const work = this.writing.then(async () => {
      const { config, target } = this.scopeOf(origin.level, origin.folder?.uri);
      const inspected = config.inspect<unknown>(TARGETS_KEY);
      const value =
        origin.level === 'user'
          ? inspected?.globalValue
          : origin.level === 'workspace'
            ? inspected?.workspaceValue
            : inspected?.workspaceFolderValue;
      const entries = Array.isArray(value) ? value : [];
      await config.update(TARGETS_KEY, change(entries), target);
      await this.reload();
    });
    this.writing = work.catch(() => undefined);
    return work;
  }

  private scopeOf(
    level: SettingsLevel,
    folderUri: string | undefined,
  ): { config: vscode.WorkspaceConfiguration; target: vscode.ConfigurationTarget } {
    if (level === 'folder' && folderUri) {
      return {
        config: vscode.workspace.getConfiguration(SETTINGS_SECTION, vscode.Uri.parse(folderUri)),
        target: vscode.ConfigurationTarget.WorkspaceFolder,
      };
    }
    if (level === 'workspace') {
      if (!this.hasWorkspace)
        throw new Error(
          'No folder or workspace is open, so there are no workspace settings to write to. Save the target to your user settings instead.',
        );
      return { config: vscode.workspace.getConfiguration(SETTINGS_SECTION), target: vscode.ConfigurationTarget.Workspace };
    }
    return { config: vscode.workspace.getConfiguration(SETTINGS_SECTION), target: vscode.ConfigurationTarget.Global };
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }
}

/**
 * The workspace's and folders' target lists read from their settings files, for the Restricted
 * Mode listing only: VS Code hides restricted settings of an untrusted workspace from extensions
 * (inspect() gives no workspace value), yet the user should see what is waiting for trust. What is
 * read here is shown by name and URL and never checked; a file that is missing, too large or not
 * JSON with comments lists nothing.
 */
async function untrustedEntryLists(): Promise<EntryList[]> {
  const lists: EntryList[] = [];
  const workspaceFile = vscode.workspace.workspaceFile;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (workspaceFile && workspaceFile.scheme !== 'untitled') {
    const settings = (await readJsoncObject(workspaceFile))?.settings;
    lists.push({ level: 'workspace', entries: targetsIn(settings) });
    for (const folder of folders) {
      const folderSettings = await readJsoncObject(vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'));
      lists.push({ level: 'folder', folder: { name: folder.name, uri: folder.uri.toString() }, entries: targetsIn(folderSettings) });
    }
  } else if (folders.length === 1) {
    // A single folder's settings are its workspace settings.
    lists.push({
      level: 'workspace',
      entries: targetsIn(await readJsoncObject(vscode.Uri.joinPath(folders[0]!.uri, '.vscode', 'settings.json'))),
    });
  }
  return lists;
}

function targetsIn(settings: unknown): unknown {
  return typeof settings === 'object' && settings !== null
    ? (settings as Record<string, unknown>)[`${SETTINGS_SECTION}.${TARGETS_KEY}`]
    : undefined;
}

async function readJsoncObject(uri: vscode.Uri): Promise<Record<string, unknown> | undefined> {
  // Devices and FIFOs exist on disk only: a local file is read with the guards they need.
  if (uri.scheme === 'file') return readUntrustedSettingsFile(uri.fsPath);
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if ((stat.type & vscode.FileType.File) === 0 || stat.size > MAX_UNTRUSTED_SETTINGS_BYTES) return undefined;
    return settingsObjectIn(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
  } catch {
    return undefined;
  }
}
