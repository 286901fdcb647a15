/**
 * Store Secret, Manage Secrets and Delete Secret: values for `${secret:NAME}` header references,
 * kept in the editor's Secret Storage with the origins they may be sent to (targetEntries.ts
 * enforces the binding). Secret Storage cannot list its keys, so the names (never the values) are
 * kept in global state as well.
 */
import * as vscode from 'vscode';
import { secretStorageKey, type TargetConfiguration } from '../config/targetConfiguration';
import { secretNamesIn } from '../../core/targets/target';
import { parseOrigin, parseStoredSecret, serializeStoredSecret, type StoredSecret } from '../config/targetEntries';
import { askModal, showMessage } from '../notifications/editorMessages';

const SECRET_NAMES_KEY = 'networkMonitor.secretNames';
const SECRET_NAME = /^[\w.-]{1,64}$/;

/** Arguments for storing a secret without the interactive steps; only from our own code and tests (commandArguments.ts). */
export interface StoreSecretArguments {
  name: string;
  value: string;
  /** Origins it may be sent to; none means the user's own settings only. */
  origins?: string[];
}

export class SecretCommands {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly globalState: vscode.Memento,
    private readonly targets: TargetConfiguration,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Stores a new secret or replaces one, asking for its name, value and origins. */
  async store(args?: StoreSecretArguments, presetName?: string): Promise<void> {
    let name = args?.name ?? presetName;
    if (name === undefined) {
      name = await vscode.window.showInputBox({
        title: vscode.l10n.t('Store Secret (1/3)'),
        prompt: vscode.l10n.t(
          'A name for the secret, used in settings as ${secret:NAME} inside a header value. An existing name replaces that secret.',
        ),
        placeHolder: 'apiToken',
        ignoreFocusOut: true,
        validateInput: (text) => (SECRET_NAME.test(text) ? undefined : vscode.l10n.t('Use 1 to 64 letters, digits, ".", "_" or "-".')),
      });
      if (!name) return;
    }
    if (!SECRET_NAME.test(name))
      throw new Error(vscode.l10n.t('"{0}" is not a valid secret name: use 1 to 64 letters, digits, ".", "_" or "-".', name));
    const existing = await this.read(name);
    let value = args?.value;
    if (value === undefined) {
      value = await vscode.window.showInputBox({
        title: vscode.l10n.t('Store Secret (2/3)'),
        prompt: existing
          ? vscode.l10n.t('The new value of "{0}" (leave empty to keep the current one).', name)
          : vscode.l10n.t('The value of "{0}". It is kept in the editor\'s secret storage, never in settings files.', name),
        password: true,
        ignoreFocusOut: true,
      });
      if (value === undefined) return;
      if (value === '' && existing) value = existing.value;
    }
    if (value === '') throw new Error(vscode.l10n.t('A secret cannot be empty.'));
    const origins = args ? normaliseOrigins(args.origins ?? []) : await this.askOrigins(name, existing);
    if (origins === undefined) return;
    await this.write(name, { value, origins });
    this.log.info(`Stored the secret "${name}" for ${origins.length > 0 ? origins.join(', ') : 'user settings only (no origin)'}.`);
    if (!args) {
      void showMessage(
        'info',
        vscode.l10n.t(
          'Secret "{0}" stored for {1}. Use it in a target\'s headers, e.g. "Authorization": "Bearer ${secret:{0}}".',
          name,
          origins.join(', '),
        ),
      );
    }
  }

  /** Lists the stored secrets with their origins and the targets that use them; picks one to change or delete. */
  async manage(): Promise<void> {
    const names = this.names();
    if (names.length === 0) {
      void showMessage('info', vscode.l10n.t('No secrets are stored. Run "Network Monitor: Store Secret" to add one.'));
      return;
    }
    const items: (vscode.QuickPickItem & { name: string })[] = [];
    for (const name of names) {
      const secret = await this.read(name);
      if (!secret) continue;
      const users = this.targetsUsing(name);
      items.push({
        name,
        label: `$(key) ${name}`,
        description: secret.origins.length > 0 ? secret.origins.join(', ') : vscode.l10n.t('user settings only'),
        detail: users.length > 0 ? vscode.l10n.t('Used by {0}', users.join(', ')) : vscode.l10n.t('Not used by any target'),
      });
    }
    const chosen = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Stored Secrets'),
      placeHolder: vscode.l10n.t('Pick a secret to replace, re-bind or delete'),
    });
    if (!chosen) return;
    const actions = [
      { label: `$(edit) ${vscode.l10n.t('Replace Value or Origins')}`, run: () => this.store(undefined, chosen.name) },
      { label: `$(trash) ${vscode.l10n.t('Delete')}`, run: () => this.delete(chosen.name) },
    ];
    const action = await vscode.window.showQuickPick(actions, { placeHolder: chosen.name });
    await action?.run();
  }

  /** Deletes a secret after asking; targets that use it then say it is missing. */
  async delete(name?: string): Promise<void> {
    const chosen = name ?? (await vscode.window.showQuickPick(this.names(), { placeHolder: vscode.l10n.t('Delete which secret?') }));
    if (!chosen) return;
    const users = this.targetsUsing(chosen);
    const remove = vscode.l10n.t('Delete');
    const warning =
      users.length > 0
        ? vscode.l10n.t('Delete the secret "{0}"? {1} will stop being checked until it is stored again.', chosen, users.join(', '))
        : vscode.l10n.t('Delete the secret "{0}"?', chosen);
    if (name === undefined || (await askModal(warning, undefined, remove)) === remove) {
      await this.secrets.delete(secretStorageKey(chosen));
      await this.globalState.update(
        SECRET_NAMES_KEY,
        this.names().filter((known) => known !== chosen),
      );
      this.log.info(`Deleted the secret "${chosen}".`);
    }
  }

  /** The stored secrets' names, for listings. */
  names(): string[] {
    const names = this.globalState.get<unknown>(SECRET_NAMES_KEY);
    return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string' && SECRET_NAME.test(name)).sort() : [];
  }

  private async read(name: string): Promise<StoredSecret | undefined> {
    return parseStoredSecret(await this.secrets.get(secretStorageKey(name)));
  }

  private async write(name: string, secret: StoredSecret): Promise<void> {
    await this.secrets.store(secretStorageKey(name), serializeStoredSecret(secret));
    if (!this.names().includes(name)) await this.globalState.update(SECRET_NAMES_KEY, [...this.names(), name].sort());
  }

  private targetsUsing(name: string): string[] {
    return this.targets
      .rawEntries()
      .filter(({ entry }) => secretNamesIn(entry).includes(name))
      .map(({ entry }) => (typeof entry === 'string' ? entry : (entry.name ?? entry.url)));
  }

  /**
   * Asks for the origins, offering the ones it is bound to already, else those of the entries in
   * the user's own settings that refer to it: by default a secret goes where the user uses it.
   * Never offered: origins from workspace settings, which a cloned repository writes, so that
   * pressing Enter cannot bind a secret to a repository's choice of host.
   */
  private async askOrigins(name: string, existing: StoredSecret | undefined): Promise<string[] | undefined> {
    const used = this.targets
      .rawEntries()
      .filter(({ entry, level }) => level === 'user' && typeof entry === 'object' && secretNamesIn(entry).includes(name))
      .map(({ entry }) => parseOrigin(typeof entry === 'string' ? entry : entry.url))
      .flatMap((parsed) => (parsed.ok ? [parsed.origin] : []));
    const offered = existing && existing.origins.length > 0 ? existing.origins : [...new Set(used)];
    const answer = await vscode.window.showInputBox({
      title: vscode.l10n.t('Store Secret (3/3)'),
      prompt: vscode.l10n.t(
        'Where may "{0}" be sent? Origins (scheme, host and port), separated by commas. A target for any other origin cannot use it.',
        name,
      ),
      placeHolder: 'https://api.example.com',
      value: offered.join(', '),
      ignoreFocusOut: true,
      validateInput: (text) => originsProblem(text),
    });
    if (answer === undefined) return undefined;
    return normaliseOrigins(splitOrigins(answer));
  }
}

function splitOrigins(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

function originsProblem(text: string): string | undefined {
  const parts = splitOrigins(text);
  if (parts.length === 0) return vscode.l10n.t('Enter at least one origin, like https://api.example.com.');
  for (const part of parts) {
    const parsed = parseOrigin(part);
    if (!parsed.ok) return parsed.error;
  }
  return undefined;
}

/** Each origin as `URL.origin` spells it, once; anything that is no http(s) origin is an error. */
function normaliseOrigins(origins: readonly string[]): string[] {
  const normalised = origins.map((text) => {
    const parsed = parseOrigin(text);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.origin;
  });
  return [...new Set(normalised)];
}
