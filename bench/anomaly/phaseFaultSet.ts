/**
 * The labelled phase-fault set: HTTPS checks recorded by the product's prober against real
 * loopback services, one file per faulty phase (bench/anomaly/phaseFaults/<phase>.csv, written by
 * recordPhaseFaults.ts, which tells how each fault is made). Each file is `PHASE_FAULT_PLAN.checks`
 * checks in order; checks `faultFrom` to `faultTo - 1` carry the fault and its label, the others
 * none. The fault's span is the label window; the first 15 % of checks are probation, as in the
 * other sets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseTimings } from '../../src/core/probes/checkResult';
import type { AnomalyKind, LabelledSeries } from './evaluationSet';

export const PHASE_FAULTS_FOLDER = join(__dirname, 'phaseFaults');
export const PHASE_FAULT_KINDS = ['dns', 'tls', 'firstByte', 'transfer'] as const;
export type PhaseFaultKind = (typeof PHASE_FAULT_KINDS)[number];
export const PHASE_FAULT_PLAN = { checks: 400, faultFrom: 300, faultTo: 360 } as const;

const WINDOW_KIND: Record<PhaseFaultKind, AnomalyKind> = {
  dns: 'dnsSlow',
  tls: 'tlsSlow',
  firstByte: 'firstByteSlow',
  transfer: 'transferSlow',
};
/** The recorded checks, placed a minute apart as a monitor would make them. */
const START = Date.UTC(2026, 11, 7);
const INTERVAL_MS = 60_000;

export interface PhaseFaultSeries extends LabelledSeries {
  fault: PhaseFaultKind;
  values: number[];
  phases: PhaseTimings[];
  /** Which checks carry the fault. */
  faulty: boolean[];
}

export function loadPhaseFaultSet(): PhaseFaultSeries[] {
  return PHASE_FAULT_KINDS.map((fault, index) => {
    const lines = readFileSync(join(PHASE_FAULTS_FOLDER, `${fault}.csv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const series: PhaseFaultSeries = {
      name: `phaseFaults/${fault}`,
      // Odd: nothing is tuned on this set.
      seed: 2 * index + 1,
      fault,
      times: [],
      values: [],
      phases: [],
      faulty: [],
      windows: [],
      probation: Math.floor(lines.length * 0.15),
    };
    for (const line of lines) {
      const [check, label, ...cells] = line.split(',');
      const [dns, connect, tls, firstByte, transfer, total] = cells.map(Number) as [number, number, number, number, number, number];
      if (label !== '' && label !== fault) throw new Error(`${fault}.csv: check ${check} is labelled "${label}"`);
      series.times.push(START + series.times.length * INTERVAL_MS);
      series.values.push(total);
      series.phases.push({ dns, connect, tls, firstByte, transfer });
      series.faulty.push(label === fault);
    }
    const first = series.faulty.indexOf(true);
    const last = series.faulty.lastIndexOf(true);
    if (first < 0) throw new Error(`${fault}.csv has no labelled check`);
    series.windows.push({ kind: WINDOW_KIND[fault], start: series.times[first]!, end: series.times[last]! });
    return series;
  });
}
