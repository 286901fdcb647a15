/**
 * The Targets view. Nodes are kept per target id, so a check refreshes only that target's node
 * (`onDidChangeTreeData(node)`); the whole tree is redrawn only when the list itself changes.
 * The history answers asynchronously, so each node's uptime and incidents are asked for before
 * the node is handed to VS Code (in `getChildren`, or before a node's refresh is announced).
 */
import * as vscode from 'vscode';
import type { MonitorService } from '../monitor/monitorService';
import type { MuteList } from '../notifications/muteList';
import type { HeldEntry } from '../config/targetEntries';
import { HeldNode, type NodeContext, readHistorySummary, TargetNode, type TreeNode } from './targetNodes';
import { SuggestionsNode, type SuggestionSource } from './suggestionNodes';

/** The entries the configuration holds back, and when that list may have changed. */
export interface HeldEntrySource {
  readonly held: readonly HeldEntry[];
  readonly onDidChange: vscode.Event<unknown>;
}

export const TARGETS_VIEW_ID = 'networkMonitor.targets';

export class TargetTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private nodes = new Map<string, TargetNode>();
  private heldNodes: HeldNode[] = [];
  /** Shown after the targets while the workspace suggests any. */
  private suggestions: SuggestionsNode | undefined;
  private suggestionSource: SuggestionSource | undefined;
  private readonly context: NodeContext;
  private readonly subscriptions: vscode.Disposable[];
  /** The latest summary asked for each node: an older answer arriving later is dropped. */
  private readonly asking = new WeakMap<TargetNode, number>();
  private asked = 0;

  constructor(
    private readonly monitor: MonitorService,
    mutes: MuteList,
    private readonly heldEntries: HeldEntrySource,
  ) {
    this.context = {
      isMuted: (id) => mutes.isMuted(id),
      anomalyThreshold: () => monitor.anomalyThreshold,
      readOnly: () => monitor.role === 'reader',
    };
    this.rebuild();
    this.subscriptions = [
      monitor.onDidChangeTargets(() => {
        this.rebuild();
        this.changeEmitter.fire(undefined);
      }),
      monitor.onDidChangeTarget((id) => void this.refreshTarget(id)),
      mutes.onDidChange((id) => void this.refreshTarget(id)),
      heldEntries.onDidChange(() => {
        this.heldNodes = heldEntries.held.map((held) => new HeldNode(held));
        this.changeEmitter.fire(undefined);
      }),
    ];
  }

  private rebuild(): void {
    const next = new Map<string, TargetNode>();
    for (const snapshot of this.monitor.snapshots()) {
      const id = snapshot.configured.target.id;
      const node = this.nodes.get(id) ?? new TargetNode(snapshot, this.context);
      node.snapshot = snapshot;
      next.set(id, node);
    }
    this.nodes = next;
  }

  private async refreshTarget(id: string): Promise<void> {
    const node = this.nodes.get(id);
    const snapshot = this.monitor.snapshot(id);
    if (!node || !snapshot) return;
    node.snapshot = snapshot;
    if (await this.askSummary(node)) this.changeEmitter.fire(node);
  }

  /** Asks the history for the node's summary (an answer overtaken by a newer one is dropped); false when the node left the tree. */
  private async askSummary(node: TargetNode): Promise<boolean> {
    const ticket = ++this.asked;
    this.asking.set(node, ticket);
    const summary = await readHistorySummary(this.monitor.history, node.targetId, this.monitor.anomalyThreshold);
    if (this.asking.get(node) === ticket) node.summary = summary;
    return this.nodes.get(node.targetId) === node;
  }

  /** Lists what `source` suggests under a "Suggestions" node, from now on. */
  showSuggestions(source: SuggestionSource): vscode.Disposable {
    this.suggestionSource = source;
    this.suggestions = new SuggestionsNode(source);
    return source.onDidChange(() => this.changeEmitter.fire(undefined));
  }

  /** The node of a target, for reveal and for tests. */
  node(targetId: string): TargetNode | undefined {
    return this.nodes.get(targetId);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) {
      const targets = [...this.nodes.values()];
      const held = this.heldNodes;
      await Promise.all(targets.map((target) => this.askSummary(target)));
      const suggestions = this.suggestions && this.suggestionSource?.suggestions.length ? [this.suggestions] : [];
      return [...targets, ...held, ...suggestions];
    }
    if (node instanceof SuggestionsNode) return node.children();
    if (!(node instanceof TargetNode)) return [];
    await this.askSummary(node);
    return node.children();
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node instanceof TargetNode || node instanceof HeldNode || node instanceof SuggestionsNode ? undefined : node.parent;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }
}
