/**
 * The multi-step input behind Add Target and Edit Target: the URL with live validation (an
 * invalid URL, an unsupported scheme or a duplicate is named as the user types, and an assumed
 * https:// is said), then an optional name, an optional interval, and where to save it.
 */
import * as vscode from 'vscode';
import { parseTargetSpec, targetIdFor } from '../../core/targets/target';
import type { SaveLevel } from '../config/targetConfiguration';
import type { ConfiguredTarget } from '../config/targetEntries';

export interface TargetInputValues {
  url: string;
  name: string | undefined;
  /** Seconds; undefined for the default. */
  interval: number | undefined;
  level: SaveLevel;
}

export interface TargetInputOptions {
  title: string;
  existing: readonly ConfiguredTarget[];
  defaultIntervalSeconds: number;
  /** Offer the workspace as a place to save (a folder is open). */
  canSaveToWorkspace: boolean;
  /** Editing: the target being edited (its own URL is no duplicate) and the values to start from. */
  editing?: { targetId: string; url: string; name: string | undefined; interval: number | undefined; level: SaveLevel };
}

export type UrlCheck = { severity: 'error' | 'info'; message: string; url?: string } | { severity: 'ok'; url: string };

/** What the URL box says about `text`; exported for the Add Target command's non-interactive use. */
export function checkTargetUrl(text: string, existing: readonly ConfiguredTarget[], ownId?: string): UrlCheck {
  if (text.trim() === '') return { severity: 'error', message: vscode.l10n.t('Enter a URL, a host name, host:port or dns://name.') };
  const parsed = parseTargetSpec(text);
  if (!parsed.ok) return { severity: 'error', message: parsed.error };
  const { url, assumedHttps } = parsed.value;
  const id = targetIdFor(url);
  const duplicate = existing.find(
    (configured) => configured.target.id !== ownId && (configured.target.url === url || configured.target.id === id),
  );
  if (duplicate) {
    return {
      severity: 'error',
      message: vscode.l10n.t(
        '{0} is already monitored as "{1}". Enter another URL, or edit that target instead.',
        url,
        duplicate.target.name,
      ),
    };
  }
  if (assumedHttps)
    return {
      severity: 'info',
      message: vscode.l10n.t('No scheme given, so https:// is assumed: {0} will be checked. Type http:// to check over plain HTTP.', url),
      url,
    };
  return { severity: 'ok', url };
}

export function checkInterval(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  const seconds = Number(text.trim());
  if (!Number.isFinite(seconds) || seconds < 1)
    return vscode.l10n.t('Enter a number of seconds, 1 or more, or leave it empty for the default.');
  return undefined;
}

type StepResult<T> = { kind: 'value'; value: T } | { kind: 'back' } | { kind: 'cancel' };

interface InputStepOptions {
  title: string;
  step: number;
  totalSteps: number;
  value: string;
  placeholder: string;
  prompt: string;
  /** Undefined: acceptable. Error messages block Enter; info messages are shown but allow it. */
  validate: (value: string) => { severity: 'error' | 'info'; message: string } | undefined;
}

function inputStep(options: InputStepOptions): Promise<StepResult<string>> {
  const box = vscode.window.createInputBox();
  box.title = options.title;
  box.step = options.step;
  box.totalSteps = options.totalSteps;
  box.value = options.value;
  box.placeholder = options.placeholder;
  box.prompt = options.prompt;
  box.ignoreFocusOut = true;
  box.buttons = options.step > 1 ? [vscode.QuickInputButtons.Back] : [];
  const validate = (value: string): boolean => {
    const problem = options.validate(value);
    // An empty message blocks Enter without a red box, so an empty field shows the prompt.
    box.validationMessage =
      problem && problem.message !== ''
        ? {
            message: problem.message,
            severity: problem.severity === 'error' ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Info,
          }
        : undefined;
    return problem?.severity !== 'error';
  };
  validate(box.value);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: StepResult<string>): void => {
      if (settled) return;
      settled = true;
      for (const subscription of subscriptions) subscription.dispose();
      box.dispose();
      resolve(result);
    };
    const subscriptions = [
      box.onDidChangeValue((value) => validate(value)),
      box.onDidAccept(() => {
        if (validate(box.value)) finish({ kind: 'value', value: box.value });
      }),
      box.onDidTriggerButton((button) => {
        if (button === vscode.QuickInputButtons.Back) finish({ kind: 'back' });
      }),
      box.onDidHide(() => finish({ kind: 'cancel' })),
    ];
    box.show();
  });
}

function levelStep(title: string, step: number, totalSteps: number): Promise<StepResult<SaveLevel>> {
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { level: SaveLevel }>();
  pick.title = title;
  pick.step = step;
  pick.totalSteps = totalSteps;
  pick.placeholder = vscode.l10n.t('Where should the target be saved?');
  pick.ignoreFocusOut = true;
  pick.buttons = [vscode.QuickInputButtons.Back];
  pick.items = [
    { label: '$(account) ' + vscode.l10n.t('User settings'), description: vscode.l10n.t('only you, in every workspace'), level: 'user' },
    {
      label: '$(folder) ' + vscode.l10n.t('Workspace settings'),
      description: vscode.l10n.t('.vscode/settings.json, shared with your team if committed'),
      level: 'workspace',
    },
  ];
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: StepResult<SaveLevel>): void => {
      if (settled) return;
      settled = true;
      for (const subscription of subscriptions) subscription.dispose();
      pick.dispose();
      resolve(result);
    };
    const subscriptions = [
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0];
        if (chosen) finish({ kind: 'value', value: chosen.level });
      }),
      pick.onDidTriggerButton(() => finish({ kind: 'back' })),
      pick.onDidHide(() => finish({ kind: 'cancel' })),
    ];
    pick.show();
  });
}

/** Runs the steps; undefined when the user cancelled. Back goes to the previous step, values kept. */
export async function askForTarget(options: TargetInputOptions): Promise<TargetInputValues | undefined> {
  const editing = options.editing;
  const askLevel = !editing && options.canSaveToWorkspace;
  const totalSteps = askLevel ? 4 : 3;
  let url = editing?.url ?? '';
  let name = editing?.name ?? '';
  let interval = editing?.interval !== undefined ? String(editing.interval) : '';
  let level: SaveLevel = editing?.level ?? 'user';
  let normalized = url;
  for (let step = 1; step <= totalSteps;) {
    let result: { kind: 'value' | 'back' | 'cancel' };
    if (step === 1) {
      const answer = await inputStep({
        title: options.title,
        step,
        totalSteps,
        value: url,
        placeholder: 'https://example.com/health',
        prompt: vscode.l10n.t('URL to check: https://host/path, http://…, host:port (TCP) or dns://name'),
        validate: (value) => {
          if (value.trim() === '') return { severity: 'error', message: '' };
          const check = checkTargetUrl(value, options.existing, editing?.targetId);
          return check.severity === 'ok' ? undefined : check;
        },
      });
      result = answer;
      if (answer.kind === 'value') {
        url = answer.value;
        const check = checkTargetUrl(url, options.existing, editing?.targetId);
        normalized = check.severity === 'error' ? url : (check.url ?? url);
      }
    } else if (step === 2) {
      const answer = await inputStep({
        title: options.title,
        step,
        totalSteps,
        value: name,
        placeholder: normalized,
        prompt: vscode.l10n.t('Optional: a name shown in the sidebar and in notifications. Leave empty to use the URL.'),
        validate: () => undefined,
      });
      result = answer;
      if (answer.kind === 'value') name = answer.value;
    } else if (step === 3) {
      const answer = await inputStep({
        title: options.title,
        step,
        totalSteps,
        value: interval,
        placeholder: vscode.l10n.t('{0} (default)', options.defaultIntervalSeconds),
        prompt: vscode.l10n.t('Optional: seconds between checks. Leave empty for the default of {0} s.', options.defaultIntervalSeconds),
        validate: (value) => {
          const message = checkInterval(value);
          return message ? { severity: 'error', message } : undefined;
        },
      });
      result = answer;
      if (answer.kind === 'value') interval = answer.value;
    } else {
      const picked = await levelStep(options.title, step, totalSteps);
      if (picked.kind === 'value') level = picked.value;
      result = picked;
    }
    if (result.kind === 'cancel') return undefined;
    step += result.kind === 'back' ? -1 : 1;
    if (step < 1) step = 1;
  }
  return {
    url: url.trim(),
    name: name.trim() || undefined,
    interval: interval.trim() === '' ? undefined : Number(interval.trim()),
    level,
  };
}

/** Asks where a target for `url` found in a file is saved: the user's settings, or the workspace's when one is open. */
export async function askSaveLevel(url: string, canSaveToWorkspace: boolean): Promise<SaveLevel | undefined> {
  const levels: (vscode.QuickPickItem & { level: SaveLevel })[] = [
    { label: vscode.l10n.t('User Settings'), description: vscode.l10n.t('checked in every workspace'), level: 'user' },
  ];
  if (canSaveToWorkspace)
    levels.push({
      label: vscode.l10n.t('Workspace Settings'),
      description: vscode.l10n.t('checked in this workspace'),
      level: 'workspace',
    });
  const picked = await vscode.window.showQuickPick(levels, {
    title: vscode.l10n.t('Monitor {0}', url),
    placeHolder: vscode.l10n.t('Where should the target be saved?'),
  });
  return picked?.level;
}
