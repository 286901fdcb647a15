// A stand-in for `network-monitor anomaly-score` (src/cli.ts wires the same function), so the
// tests can drive the command through a real process with real pipes.
import { runAnomalyScore } from '../../../src/cli/anomalyScoreCommand';

void runAnomalyScore(process.stdin, process.stdout).then((code) => {
  process.exitCode = code;
});
