/**
 * Labelled HTTPS checks with phase timings (dns, connect, tls, firstByte, transfer), as the probes
 * record them. Half of the anomalies hide in one phase: a slow resolver, a longer network path, a
 * heavier handshake, each adding less to the total than the total's own noise, so only the phases
 * reveal them; the others (a slow period, a spike) show in the total. Half the targets resolve
 * through a cache, so a full DNS lookup now and then is normal life, not an anomaly. This is the only part of the
 * set where the check has more than one number, which is where an isolation forest could help.
 */
import type { PhaseTimings } from '../../src/core/probes/checkResult';
import { createSeededRandom } from '../../src/core/anomaly/seededRandom';
import type { AnomalyKind, LabelledSeries, LabelWindow } from './evaluationSet';
import { between, gaussian, pick, type PlannedEvent } from './genericSeries';

const HIDDEN: readonly AnomalyKind[] = ['dnsSlow', 'connectSlow', 'tlsSlow'];
const VISIBLE: readonly AnomalyKind[] = ['slowPeriod', 'spike'];

export function generatePhaseSeries(seed: number): LabelledSeries {
  const random = createSeededRandom(seed * 65_537 + 3);
  const length = Math.floor(between(random, 2500, 4000));
  const intervalMs = pick(random, [30_000, 60_000]);
  const start = Date.UTC(2026, 0, 5) + Math.floor(random() * 24) * 3_600_000;
  const rtt = between(random, 4, 40);
  const dnsBase = pick(random, [0, 1.5, 4]);
  // Half the targets resolve through a cache: near 0 most of the time, a full lookup now and then.
  const cacheMissRate = random() < 0.5 ? between(random, 0.02, 0.12) : 0;
  const lookupMs = between(random, 5, 40);
  const serverMs = between(random, 40, 400);
  const serverSigma = between(random, 0.15, 0.35);
  const transferMs = between(random, 1, 15);
  const probation = Math.floor(length * 0.15);
  const count = 1 + Math.floor(random() * 3);
  const slot = Math.floor((length - probation) / count);
  const events: PlannedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const kind = pick(random, random() < 0.65 ? HIDDEN : VISIBLE);
    const at = probation + i * slot + Math.floor(between(random, 0.1, 0.55) * slot);
    // Hidden slowdowns add about half the total's spread: invisible in the total alone.
    const spread = serverMs * serverSigma;
    const magnitude =
      kind === 'dnsSlow'
        ? between(random, 0.4, 0.8) * spread
        : kind === 'connectSlow'
          ? between(random, 0.4, 0.8) * spread
          : kind === 'tlsSlow'
            ? between(random, 0.4, 0.8) * spread
            : kind === 'slowPeriod'
              ? between(random, 0.7, 1.4)
              : between(random, 1.6, 3);
    const duration = kind === 'spike' ? 1 + Math.floor(random() * 2) : Math.floor(between(random, 30, 150));
    events.push({ kind, at, duration, magnitude });
  }
  const times: number[] = [];
  const values: (number | null)[] = [];
  const phases: (PhaseTimings | undefined)[] = [];
  let ar = 0;
  for (let i = 0; i < length; i++) {
    times.push(start + i * intervalMs + Math.floor(gaussian(random) * 200));
    if (random() < 0.002) {
      values.push(null);
      phases.push(undefined);
      continue;
    }
    ar = 0.6 * ar + 0.8 * gaussian(random);
    const extra = (kind: AnomalyKind): number => {
      for (const event of events) if (event.kind === kind && i >= event.at && i < event.at + event.duration) return event.magnitude;
      return 0;
    };
    const lookup =
      cacheMissRate === 0
        ? dnsBase * Math.exp(0.3 * gaussian(random))
        : random() < cacheMissRate
          ? lookupMs * Math.exp(0.3 * gaussian(random))
          : 0.05;
    const dns = dnsBase === 0 ? 0 : lookup + extra('dnsSlow');
    const connect = rtt * Math.exp(0.15 * gaussian(random)) + extra('connectSlow');
    const tls = 2 * rtt * Math.exp(0.15 * gaussian(random)) + 1.5 + extra('tlsSlow');
    let firstByte = serverMs * Math.exp(serverSigma * ar + extra('slowPeriod') + extra('spike'));
    if (random() < 0.01) firstByte *= between(random, 1.3, 2.5); // a slow query now and then: normal life
    firstByte += rtt;
    const transfer = transferMs * Math.exp(0.3 * gaussian(random));
    const round = (ms: number) => Math.round(ms * 100) / 100;
    const timing: PhaseTimings = {
      dns: round(dns),
      connect: round(connect),
      tls: round(tls),
      firstByte: round(firstByte),
      transfer: round(transfer),
    };
    phases.push(timing);
    values.push(round(timing.dns + timing.connect + timing.tls + timing.firstByte + timing.transfer));
  }
  const windowChecks = Math.floor((length * 0.1) / events.length);
  const windows = events.map((event): LabelWindow => ({
    kind: event.kind,
    start: times[event.at]!,
    end: times[Math.min(length - 1, event.at + windowChecks - 1)]!,
  }));
  return { name: `phases-${seed}`, seed, times, values, phases, windows, probation };
}

export function generatePhaseSet(count: number, firstSeed = 1): LabelledSeries[] {
  return Array.from({ length: count }, (_, i) => generatePhaseSeries(firstSeed + i));
}
