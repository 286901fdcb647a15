/**
 * How a window's configured targets travel to the writer window and back into `Target`s there.
 * Free of `vscode`, so the round trip is tested under plain Node.
 *
 * Entries travel as written, `${secret:NAME}` references and all; the writer resolves them from
 * the secret storage every window shares, so no secret is ever written to the shared folder.
 */
import type { PublishedTarget } from '../../core/coordination/sharedTargets';
import { DEFAULT_TARGET_DEFAULTS, type ParseResult, type Target } from '../../core/targets/target';
import { NO_APPROVALS, type ApprovedEntries } from '../../core/targets/workspaceEntryPolicy';
import { collectTargets, type ConfiguredTarget, type SecretLookup } from '../config/targetEntries';

/** This window's targets as it publishes them for the writer. */
export function publishTargets(configured: readonly ConfiguredTarget[]): PublishedTarget[] {
  return configured.map(({ target, entry, origin }) => ({
    id: target.id,
    entry,
    level: origin.level,
    // The resolved values are this window's defaults wherever the entry does not override them.
    defaults: {
      intervalMs: target.intervalMs,
      timeoutMs: target.timeoutMs,
      maxBodyBytes: target.http?.maxBodyBytes ?? DEFAULT_TARGET_DEFAULTS.maxBodyBytes,
    },
    paused: target.paused,
  }));
}

/** Builds, in the writer window, the target another window published. */
export async function resolvePublishedTarget(
  published: PublishedTarget,
  lookup: SecretLookup,
  approved: ApprovedEntries = NO_APPROVALS,
): Promise<ParseResult<Target>> {
  const level = published.level === 'user' || published.level === 'folder' ? published.level : 'workspace';
  const { targets, problems } = await collectTargets([{ level, entries: [published.entry] }], published.defaults, lookup, approved);
  const built = targets[0]?.target;
  if (!built)
    return {
      ok: false,
      error: (problems[0]?.message ?? 'the entry could not be read.').replace(/^networkMonitor\.targets\[0\] in .*? is skipped: /, ''),
    };
  if (built.id !== published.id) return { ok: false, error: `its entry resolves to the id "${built.id}" here, not "${published.id}".` };
  return { ok: true, value: { ...built, paused: published.paused } };
}
