/**
 * Runs an end-to-end entry point inside a fresh network namespace where only loopback is up, so
 * nothing the editor, the extension or the browser does can reach another machine. Needs root (or
 * user namespaces) and `ip`; without them the run carries on in the normal network and says so.
 */
import { spawnSync } from 'node:child_process';

const MARKER = 'NM_E2E_NETNS';

/**
 * Re-runs the current Node entry point inside the namespace and returns its exit status. Returns
 * undefined when the caller is already inside, when NM_E2E_NETNS=off, or when no namespace can be
 * made; the caller then runs its work in this process.
 */
export function rerunInLoopbackNamespace(): number | undefined {
  const mode = process.env[MARKER];
  if (mode === 'inside' || mode === 'off') return undefined;
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) {
    const why = probe.error?.message ?? (probe.stderr.trim() || `exit ${probe.status ?? probe.signal}`);
    console.log(`[e2e] running without a loopback-only network namespace (unshare -n failed: ${why}).`);
    return undefined;
  }
  const entry = process.argv[1];
  if (entry === undefined) return undefined;
  console.log('[e2e] running in a loopback-only network namespace (unshare -n); set NM_E2E_NETNS=off to run in the normal network.');
  const command = [process.execPath, ...process.execArgv, entry, ...process.argv.slice(2)];
  const run = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...command], {
    stdio: 'inherit',
    env: { ...process.env, [MARKER]: 'inside' },
  });
  return run.status ?? 1;
}
