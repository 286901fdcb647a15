/**
 * What the history keeps: every counted check with its anomaly score and server location, the
 * target state changes that make up incidents, and the targets' names.
 */
import type { UnusualPhase } from '../../shared/dashboardProtocol';
import type { GeoLocation } from '../../shared/geoLocation';
import type { TargetStatus } from '../../shared/targetStatus';
import type { CheckResult } from '../probes/checkResult';

/** One counted check as the store records it. */
export type CheckRecord = CheckResult & {
  /** The detector's score for this check; null while it is still learning. */
  anomalyScore: number | null;
  /** Where the connected address is; null when unknown (no address, lookup off or failed). */
  location: GeoLocation | null;
  /** Made during a maintenance window or a snooze: kept, never alerted on, left out of uptime. */
  maintenance?: boolean;
  /** For an anomalous check whose phases made it unusual: which phase, and its share against its usual one. */
  unusualPhase?: UnusualPhase;
};

/** A change of a target's state; incidents are built from these. */
export interface StateChangeRecord {
  targetId: string;
  /** Epoch milliseconds. */
  at: number;
  from: TargetStatus;
  to: TargetStatus;
  /** Why, for a change to DOWN or DEGRADED; null otherwise. */
  reason: string | null;
  /** The message of the check that caused it, or a sentence like "Paused by the user". */
  message: string;
}

export interface TargetInfo {
  id: string;
  url: string;
  name: string;
}
