/**
 * The user's approvals of workspace and folder entries that may not run on their own
 * (core/targets/workspaceEntryPolicy.ts decides which): kept in global state as hashes of the
 * entries, so a repository cannot write one and any change to an approved entry needs a new
 * approval. Approving always shows the entry and asks in a modal dialog, also when the command
 * comes with an argument, since a command link in a message could run it.
 */
import * as vscode from 'vscode';
import type { ApprovedEntries } from '../../core/targets/workspaceEntryPolicy';
import type { TargetEntry } from '../../core/targets/target';
import { askModal, showMessage } from '../notifications/editorMessages';

const APPROVED_ENTRIES_KEY = 'networkMonitor.approvedWorkspaceEntries';
/** Hashes are 64 hex digits; anything else in the stored list is ignored. */
const APPROVAL_KEY = /^[0-9a-f]{64}$/;

/** An entry that waits for approval, as the user is shown it. */
export interface PendingApproval {
  key: string;
  entry: TargetEntry;
  /** Where it is written (`networkMonitor.targets[2] in Workspace settings`). */
  where: string;
  /** Why it waits, in the policy's words. */
  reason: string;
}

export class EntryApprovals implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires after an approval was added, so the targets are read again. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly globalState: vscode.Memento) {}

  /** The approvals as the policy reads them. */
  readonly approved: ApprovedEntries = (key) => this.keys().includes(key);

  private keys(): string[] {
    const stored = this.globalState.get<unknown>(APPROVED_ENTRIES_KEY);
    return Array.isArray(stored) ? stored.filter((key): key is string => typeof key === 'string' && APPROVAL_KEY.test(key)) : [];
  }

  /**
   * Lets the user pick one of `pending` (or the one whose key is `key`), shows it whole and asks;
   * remembers the approval only on an explicit yes.
   */
  async approve(pending: readonly PendingApproval[], key?: string): Promise<void> {
    if (pending.length === 0) {
      void showMessage('info', vscode.l10n.t('No workspace target is waiting for your approval.'));
      return;
    }
    const chosen =
      pending.find((candidate) => candidate.key === key) ??
      (
        await vscode.window.showQuickPick(
          pending.map((candidate) => ({ label: entryName(candidate.entry), description: candidate.where, candidate })),
          { title: vscode.l10n.t('Approve Workspace Target'), placeHolder: vscode.l10n.t('Which entry do you want to review?') },
        )
      )?.candidate;
    if (!chosen) return;
    const allow = vscode.l10n.t('Allow This Entry');
    const answer = await askModal(
      vscode.l10n.t('Allow this entry from {0} to be checked?', chosen.where),
      vscode.l10n.t(
        '{0}\n\nThe entry, exactly as written (any change to it needs a new approval):\n{1}',
        chosen.reason,
        JSON.stringify(chosen.entry, null, 2),
      ),
      allow,
    );
    if (answer !== allow) return;
    await this.globalState.update(APPROVED_ENTRIES_KEY, [...new Set([...this.keys(), chosen.key])]);
    this.changeEmitter.fire();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

function entryName(entry: TargetEntry): string {
  return typeof entry === 'string' ? entry : (entry.name ?? entry.url);
}
