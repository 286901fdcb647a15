/**
 * The Targets view. Nodes are kept per target id, so a check refreshes only that target's node
 * (`onDidChangeTreeData(node)`); the whole tree is redrawn only when the list itself changes.
 */
import * as vscode from 'vscode';
import type { MonitorService } from '../monitor/monitorService';
import type { MuteList } from '../notifications/muteList';
import type { HeldEntry } from '../config/targetEntries';
import { HeldNode, type NodeContext, TargetNode, type TreeNode } from './targetNodes';

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
  private readonly context: NodeContext;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly monitor: MonitorService,
    mutes: MuteList,
    private readonly heldEntries: HeldEntrySource,
  ) {
    this.context = {
      history: () => monitor.history,
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
      monitor.onDidChangeTarget((id) => this.refreshTarget(id)),
      mutes.onDidChange((id) => this.refreshTarget(id)),
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

  private refreshTarget(id: string): void {
    const node = this.nodes.get(id);
    const snapshot = this.monitor.snapshot(id);
    if (!node || !snapshot) return;
    node.snapshot = snapshot;
    this.changeEmitter.fire(node);
  }

  /** The node of a target, for reveal and for tests. */
  node(targetId: string): TargetNode | undefined {
    return this.nodes.get(targetId);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return [...this.nodes.values(), ...this.heldNodes];
    return node instanceof TargetNode ? node.children() : [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node instanceof TargetNode || node instanceof HeldNode ? undefined : node.parent;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }
}
