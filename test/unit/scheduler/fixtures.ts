/** Targets and check results for the scheduler's unit tests. */
import type { CheckResult, TlsDetails } from '../../../src/core/probes/checkResult';
import type { CheckStatus } from '../../../src/shared/targetStatus';
import { resolveTarget, type Target, type TargetEntryObject } from '../../../src/core/targets/target';

export function makeTarget(id: string, entry: Partial<TargetEntryObject> = {}): Target {
  const resolved = resolveTarget({ url: `http://127.0.0.1:9/${id}`, id, interval: 10, timeout: 1000, ...entry });
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

export function makeResult(target: Target, status: CheckStatus, startedAt: number, tls: TlsDetails | null = null): CheckResult {
  return {
    targetId: target.id,
    target: target.url,
    startedAt,
    status,
    reason: status === 'UP' ? null : status === 'DEGRADED' ? 'SLOW' : 'CONNECTION_REFUSED',
    message: status === 'UP' ? 'OK' : status === 'DEGRADED' ? 'Slower than its budget.' : 'Connection refused.',
    statusCode: status === 'DOWN' ? null : 200,
    totalMs: 5,
    phases: { dns: 0, connect: 1, tls: 0, firstByte: 3, transfer: 1 },
    tls,
    addresses: ['127.0.0.1'],
  };
}

export function makeTls(daysLeft: number, validTo: string): TlsDetails {
  return { subject: 'CN=test', issuer: 'CN=test CA', validFrom: '2025-01-01T00:00:00.000Z', validTo, daysLeft, authorized: true };
}
