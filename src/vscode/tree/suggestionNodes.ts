/**
 * The Targets view's "Suggestions" node and its children: addresses the workspace's files declare
 * that no target watches yet. Every word on a suggestion comes from a file anyone could have
 * written, so labels and descriptions are plain text and the tooltip appends it as text.
 */
import * as vscode from 'vscode';
import type { SuggestedTarget } from '../../core/suggestions/suggestedTarget';
import { CommandId } from '../commands/commandIds';

/** The suggestions to show, and when they change. */
export interface SuggestionSource {
  readonly suggestions: readonly SuggestedTarget[];
  /** Suggestions beyond the ones listed. */
  readonly leftOut: number;
  readonly onDidChange: vscode.Event<void>;
}

export class SuggestionsNode {
  readonly kind = 'suggestions';

  constructor(private readonly source: SuggestionSource) {}

  children(): SuggestionNode[] {
    return this.source.suggestions.map((suggestion) => new SuggestionNode(this, suggestion));
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Suggestions'), vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'suggestions';
    item.iconPath = new vscode.ThemeIcon('lightbulb');
    const count = this.source.suggestions.length;
    item.description =
      this.source.leftOut > 0
        ? vscode.l10n.t('{0} found in this workspace, {1} more not listed', count, this.source.leftOut)
        : vscode.l10n.t('{0} found in this workspace', count);
    item.tooltip = vscode.l10n.t(
      'Addresses in this workspace\'s .http and .rest files, compose files, launch.json and .env files that no target watches. Nothing is checked until you choose "Monitor".',
    );
    item.contextValue = 'suggestions';
    return item;
  }
}

export class SuggestionNode {
  readonly kind = 'suggestion';

  constructor(
    readonly parent: SuggestionsNode,
    readonly suggestion: SuggestedTarget,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const { suggestion } = this;
    const where = `${vscode.workspace.asRelativePath(suggestion.file)}:${suggestion.line}`;
    const item = new vscode.TreeItem(suggestion.label, vscode.TreeItemCollapsibleState.None);
    item.id = `suggestion:${suggestion.key}`;
    item.iconPath = new vscode.ThemeIcon('add');
    item.description = where;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(suggestion.label).appendMarkdown('\n\n');
    tooltip.appendText(vscode.l10n.t('Found in {0}', where)).appendMarkdown('\n\n');
    if (suggestion.entry.name) tooltip.appendText(vscode.l10n.t('Name: {0}', suggestion.entry.name)).appendMarkdown('\n\n');
    const headers = Object.keys(suggestion.entry.headers ?? {});
    if (headers.length > 0) tooltip.appendText(vscode.l10n.t('Headers: {0}', headers.join(', '))).appendMarkdown('\n\n');
    for (const secret of suggestion.secrets)
      tooltip
        .appendText(
          vscode.l10n.t(
            '{0} becomes a reference to the secret "{1}", which you store with Store Secret; its value is not copied.',
            secret.header,
            secret.name,
          ),
        )
        .appendMarkdown('\n\n');
    tooltip.appendText(vscode.l10n.t('Click to monitor it; nothing is checked before you do.'));
    item.tooltip = tooltip;
    item.contextValue = 'suggestion';
    item.command = { command: CommandId.AcceptSuggestion, title: vscode.l10n.t('Monitor'), arguments: [this] };
    item.accessibilityInformation = { label: vscode.l10n.t('Suggested target {0}, in {1}', suggestion.label, where) };
    return item;
  }
}
