/**
 * Where in its interval each target is checked. Every target runs on a fixed grid,
 * `phase + k * interval` in epoch milliseconds, with a phase derived from its id: checks of many
 * targets spread evenly over the interval instead of firing together, the spread is the same after
 * a restart or in another window, and a late check does not push later ones back (no drift).
 */
import { createHash } from 'node:crypto';

/** A stable offset in [0, intervalMs) for this id. */
export function phaseOffsetMs(targetId: string, intervalMs: number): number {
  const digest = createHash('sha256').update(targetId).digest();
  // 48 bits are plenty to spread over any interval without modulo bias that matters.
  const fraction = digest.readUIntBE(0, 6) / 2 ** 48;
  return Math.floor(fraction * intervalMs);
}

/** The first grid time strictly after `afterMs` (or equal to it when `inclusive`). */
export function nextSlotAt(afterMs: number, intervalMs: number, phaseMs: number, inclusive = false): number {
  const steps = Math.floor((afterMs - phaseMs) / intervalMs);
  let slot = phaseMs + steps * intervalMs;
  while (slot < afterMs || (!inclusive && slot === afterMs)) slot += intervalMs;
  return slot;
}
