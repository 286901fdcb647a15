import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkOrigin,
  countStatuses,
  formatAgo,
  formatDuration,
  formatLatency,
  formatUptime,
  listNames,
  summaryText,
} from '../../../src/vscode/format/monitorText';

describe('monitor texts', () => {
  test('latency, uptime and durations read naturally', () => {
    assert.equal(formatLatency(84.4), '84 ms');
    assert.equal(formatLatency(1234), '1.2 s');
    assert.equal(formatLatency(12_345), '12 s');
    assert.equal(formatUptime(1), '100%');
    assert.equal(formatUptime(0.99951), '99.95%');
    assert.equal(formatUptime(0.9999999), '99.99%', 'never rounded up to 100% while something failed');
    assert.equal(formatUptime(0.5), '50.0%');
    assert.equal(formatDuration(45_000), '45 s');
    assert.equal(formatDuration(125 * 60_000), '2 h 5 min');
    assert.equal(formatDuration(3 * 86_400_000), '3 d');
    assert.equal(formatAgo(1_000, 1_500), 'just now');
    assert.equal(formatAgo(0, 180_000), '3 min ago');
  });

  test('the status bar summary names only the states that have targets', () => {
    assert.equal(summaryText(countStatuses(['UP', 'UP', 'UP', 'UP', 'DOWN'])), '4 up, 1 down');
    assert.equal(summaryText(countStatuses(['DEGRADED', 'PAUSED', 'UNKNOWN'])), '1 degraded, 1 paused, 1 pending');
    assert.equal(summaryText(countStatuses([])), 'no targets');
  });

  test('lists of names are cut after a few', () => {
    assert.equal(listNames(['a']), 'a');
    assert.equal(listNames(['a', 'b']), 'a and b');
    assert.equal(listNames(['a', 'b', 'c']), 'a, b and c');
    assert.equal(listNames(['a', 'b', 'c', 'd', 'e']), 'a, b, c and 2 more');
  });
});

test('checkOrigin names the machine the checks leave from, and the kind of remote window', () => {
  assert.deepEqual(checkOrigin(undefined, 'laptop'), { remote: false, where: 'laptop' });
  assert.deepEqual(checkOrigin('ssh-remote', 'build-box'), { remote: true, where: 'build-box (SSH)' });
  assert.deepEqual(checkOrigin('wsl', 'DESKTOP-1'), { remote: true, where: 'DESKTOP-1 (WSL)' });
  assert.deepEqual(checkOrigin('codespaces', 'codespaces-abc'), { remote: true, where: 'codespaces-abc (Codespaces)' });
  assert.deepEqual(checkOrigin('some-new-remote', 'host'), { remote: true, where: 'host (some-new-remote)' });
});
