/**
 * Short texts the tree, the status bar and the notifications share. No `vscode` import, so the
 * wording is tested under plain Node; callers pass the results through `vscode.l10n.t` templates.
 */
import type { TargetStatus } from '../../shared/targetStatus';

/** `84 ms`, `1.2 s`. */
export function formatLatency(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** `99.95%`, `100%`; two decimals only where they say something. */
export function formatUptime(ratio: number): string {
  const percent = ratio * 100;
  if (percent >= 100) return '100%';
  if (percent >= 99) return `${(Math.floor(percent * 100) / 100).toFixed(2)}%`;
  return `${(Math.floor(percent * 10) / 10).toFixed(1)}%`;
}

/** `45 s`, `3 min`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** `just now`, `12 s ago`, `3 min ago`. */
export function formatAgo(at: number, now: number): string {
  const ms = now - at;
  if (ms < 2_000) return 'just now';
  return `${formatDuration(ms)} ago`;
}

export type SummaryCounts = Record<TargetStatus, number>;

export function countStatuses(statuses: Iterable<TargetStatus>): SummaryCounts {
  const counts: SummaryCounts = { UP: 0, DEGRADED: 0, DOWN: 0, PAUSED: 0, UNKNOWN: 0 };
  for (const status of statuses) counts[status]++;
  return counts;
}

/** `4 up, 1 down`; states with no target are left out; `no targets` for an empty list. */
export function summaryText(counts: SummaryCounts): string {
  const parts: string[] = [];
  if (counts.UP) parts.push(`${counts.UP} up`);
  if (counts.DEGRADED) parts.push(`${counts.DEGRADED} degraded`);
  if (counts.DOWN) parts.push(`${counts.DOWN} down`);
  if (counts.PAUSED) parts.push(`${counts.PAUSED} paused`);
  if (counts.UNKNOWN) parts.push(`${counts.UNKNOWN} pending`);
  return parts.length > 0 ? parts.join(', ') : 'no targets';
}

/** Names in a sentence: `a`, `a and b`, `a, b and 3 more`. */
export function listNames(names: readonly string[], shown = 3): string {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length <= shown) return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

/** The kinds of remote VS Code names in `vscode.env.remoteName`, as a user would call them. */
const REMOTE_KINDS: Readonly<Record<string, string>> = {
  'ssh-remote': 'SSH',
  wsl: 'WSL',
  codespaces: 'Codespaces',
  'dev-container': 'Dev Container',
  'attached-container': 'Container',
  tunnel: 'Tunnel',
};

/**
 * Where the checks run, for tooltips: the extension runs where the workspace is (see
 * `extensionKind` in package.json), so in a remote window the checks leave the remote machine,
 * not the user's own computer. `host` is the extension host's machine name.
 */
export function checkOrigin(remoteName: string | undefined, host: string): { remote: boolean; where: string } {
  if (!remoteName) return { remote: false, where: host };
  const kind = REMOTE_KINDS[remoteName] ?? remoteName;
  return { remote: true, where: `${host} (${kind})` };
}
