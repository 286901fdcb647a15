/**
 * Targets whose notifications the user muted. Kept in globalState, so a mute survives restarts
 * and applies to every workspace that monitors the same target.
 */
import * as vscode from 'vscode';

const MUTED_KEY = 'networkMonitor.mutedTargets';

export class MuteList implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<string>();
  /** Fires with the id of the target muted or unmuted. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly state: vscode.Memento) {}

  private read(): string[] {
    const value = this.state.get<unknown>(MUTED_KEY);
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
  }

  isMuted(targetId: string): boolean {
    return this.read().includes(targetId);
  }

  async setMuted(targetId: string, muted: boolean): Promise<void> {
    const ids = new Set(this.read());
    if (muted === ids.has(targetId)) return;
    if (muted) ids.add(targetId);
    else ids.delete(targetId);
    await this.state.update(MUTED_KEY, [...ids]);
    this.changeEmitter.fire(targetId);
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
