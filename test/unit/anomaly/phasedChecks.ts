/** Checks with phase timings for the tests of the phase channel, the detector's and the engine's. */
import type { AnomalySample } from '../../../src/core/anomaly/anomalyDetector';
import { createSeededRandom, type RandomSource } from '../../../src/core/anomaly/seededRandom';
import type { PhaseTimings } from '../../../src/core/probes/checkResult';

const START = Date.UTC(2026, 0, 5);
const MINUTE = 60_000;

function gaussian(random: RandomSource): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

/**
 * HTTPS checks a minute apart; from check `faultAt` the TLS handshake takes 25 ms more and the
 * server 25 ms less, so the total stays as it was. With the default seed the phase channel finds
 * the slowdown within 20 checks while the total alone does not.
 */
export function phasedChecks(count: number, faultAt: number, seed = 104): (AnomalySample & { value: number; phases: PhaseTimings })[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const shift = i >= faultAt ? 25 : 0;
    const phases: PhaseTimings = {
      dns: 2 * Math.exp(0.2 * gaussian(random)),
      connect: 10 * Math.exp(0.1 * gaussian(random)),
      tls: 20 * Math.exp(0.1 * gaussian(random)) + shift,
      firstByte: 200 * Math.exp(0.1 * gaussian(random)) - shift,
      transfer: 3 * Math.exp(0.2 * gaussian(random)),
    };
    const value = phases.dns + phases.connect + phases.tls + phases.firstByte + phases.transfer;
    return { time: START + i * MINUTE, value, phases };
  });
}
