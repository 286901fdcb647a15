/**
 * Tests that need something outside the repository (Squid, Prometheus, Chromium, a private mount
 * namespace, an IPv6 loopback) skip, saying why, on a machine without it. CI installs them
 * (.ci/run) and names them in NM_REQUIRED_TEST_DEPENDENCIES: there a missing one is a broken set-up,
 * and the test fails instead of reporting a quiet green skip.
 */

/** What a test may need from the machine, as named in NM_REQUIRED_TEST_DEPENDENCIES. */
export type TestDependency = 'squid' | 'prometheus' | 'chromium' | 'unshare' | 'ipv6';

function required(): ReadonlySet<string> {
  return new Set((process.env.NM_REQUIRED_TEST_DEPENDENCIES ?? '').split(/[\s,]+/).filter(Boolean));
}

/**
 * The reason to give `{ skip }` or `t.skip()` when `dependency` is missing here; throws (so the
 * test fails) when this run requires it.
 */
export function skipForMissing(dependency: TestDependency, reason: string): string {
  if (required().has(dependency)) {
    throw new Error(`${reason}; this run requires ${dependency} (NM_REQUIRED_TEST_DEPENDENCIES), so the test cannot be skipped.`);
  }
  return reason;
}
