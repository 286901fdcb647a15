import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { AnomalyDetector } from '../../../src/core/anomaly/anomalyDetector';
import { formatScore, parseTimestamp, runAnomalyScore } from '../../../src/cli/anomalyScoreCommand';

const RUNNER = resolve(__dirname, 'anomalyScoreRunner.ts');

function startCommand() {
  return spawn(process.execPath, ['--import', 'tsx', RUNNER], { stdio: ['pipe', 'pipe', 'pipe'] });
}

function rows(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${1_767_225_600 + i * 60},${40 + ((i * 13) % 7)}`);
}

async function run(text: string): Promise<{ code: number; out: string; err: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  let out = '';
  let err = '';
  output.on('data', (chunk: Buffer) => (out += chunk.toString()));
  errors.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const done = runAnomalyScore(input, output, errors);
  input.end(text);
  return { code: await done, out, err };
}

describe('anomaly-score', () => {
  it('prints one score per data row, the same the detector gives', async () => {
    const data = [...rows(300), '1767243600,900'];
    const { code, out } = await run(`timestamp,value\n${data.join('\n')}\n`);
    assert.equal(code, 0);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, data.length);
    const detector = new AnomalyDetector();
    const expected = data.map((row) => {
      const [time, value] = row.split(',');
      return formatScore(detector.score({ time: Number(time) * 1000, value: Number(value) }));
    });
    assert.deepEqual(lines, expected);
    assert.ok(Number(lines.at(-1)) >= 0.5, `the 900 ms row scored ${lines.at(-1)}`);
    assert.ok(
      lines.every((line) => /^(0|1|0\.\d{1,6})$/.test(line)),
      'a score is not a number in [0, 1] with at most 6 decimals',
    );
  });

  it('reads CRLF, a BOM, quotes, ISO times, extra columns, blank and non-numeric values, and clocks that step back', async () => {
    const text = [
      '\uFEFF"Timestamp","Value",is_anomaly',
      '2026-01-01 00:00:00,41,0',
      '2026-01-01T00:01:00Z,,0',
      '2026-01-01T00:00:30.500Z,timeout,0',
      '1767225600000,42,0',
      'not a time,43,0',
      '',
      '1767225600,44',
    ].join('\r\n');
    const { code, out, err } = await run(text);
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.deepEqual(out.split('\n').filter(Boolean), ['0', '0', '0', '0', '0', '0']);
  });

  it('scores a history export as the engine did: one detector per target, DOWN as failed, phases passed on', async () => {
    const header =
      'time,started_at_ms,target_id,target,name,status,reason,status_code,total_ms,dns_ms,connect_ms,tls_ms,first_byte_ms,transfer_ms,anomaly_score,address,country_code,city,message';
    const lines: string[] = [header];
    const expected: string[] = [];
    const detectors = { api: new AnomalyDetector(), db: new AnomalyDetector() };
    for (let i = 0; i < 400; i++) {
      for (const id of ['api', 'db'] as const) {
        const at = Date.UTC(2026, 0, 5) + i * 60_000;
        const down = id === 'db' && i % 50 === 7;
        // The api's resolver slows from check 300 while its total stays in the usual range.
        const phases = {
          dns: (id === 'api' && i >= 300 ? 40 : 2) + (i % 3),
          connect: 10 + (i % 5),
          tls: 20,
          firstByte: 200 + ((i * 37) % 60) - (id === 'api' && i >= 300 ? 38 : 0),
          transfer: 3,
        };
        const total = phases.dns + phases.connect + phases.tls + phases.firstByte + phases.transfer;
        lines.push(
          [
            new Date(at).toISOString(),
            at,
            id,
            `https://${id}.test/`,
            id,
            down ? 'DOWN' : 'UP',
            down ? 'TIMEOUT' : '',
            down ? '' : 200,
            total,
            phases.dns,
            phases.connect,
            phases.tls,
            phases.firstByte,
            phases.transfer,
            '',
            '127.0.0.1',
            '',
            '',
            down ? '"Timed out, after 10 s"' : 'OK',
          ].join(','),
        );
        expected.push(formatScore(detectors[id].score({ time: at, value: down ? null : total, phases })));
      }
    }
    const { code, out, err } = await run(`${lines.join('\r\n')}\r\n`);
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.deepEqual(out.trimEnd().split('\n'), expected);
    const apiScores = expected.filter((_, row) => row % 2 === 0).map(Number);
    assert.ok(
      apiScores.slice(300, 310).some((score) => score >= 0.5),
      'the slow resolver was not flagged from the export',
    );
  });

  it('reads epoch seconds, epoch milliseconds and zone-less ISO times as the same instant', () => {
    assert.equal(parseTimestamp('1767225600'), Date.UTC(2026, 0, 1));
    assert.equal(parseTimestamp('1767225600000'), Date.UTC(2026, 0, 1));
    assert.equal(parseTimestamp('2026-01-01 00:00:00'), Date.UTC(2026, 0, 1));
    assert.equal(parseTimestamp('yesterday'), undefined);
  });

  it('explains a malformed header and exits 2', async () => {
    const { code, out, err } = await run('time,latency\n1,2\n');
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.match(err, /header "timestamp,value" \(or name a "time" and a "total_ms" column\), but it is "time,latency"/);
    const empty = await run('');
    assert.equal(empty.code, 2);
    assert.match(empty.err, /empty/);
  });

  it('streams through a real process: each score comes out before the input ends', async () => {
    const child = startCommand();
    const killer = setTimeout(() => child.kill(), 30_000);
    try {
      let out = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const lineCount = () => out.split('\n').length - 1;
      const closed = once(child, 'close');
      const waitForLines = async (count: number) => {
        for (let reads = 0; lineCount() < count; reads++) {
          assert.ok(reads < 100, 'too many reads without the expected lines');
          const next = await Promise.race([once(child.stdout, 'data'), closed.then(() => null)]);
          assert.ok(next !== null, `the command ended before printing ${count} lines: ${stderr}`);
          out += (next[0] as Buffer).toString();
        }
      };
      child.stdin.write('timestamp,value\n');
      child.stdin.write(`${rows(3).join('\n')}\n`);
      // stdin is still open: the scores must already be here.
      await waitForLines(3);
      assert.deepEqual(out.split('\n').slice(0, 3), ['0', '0', '0']);
      child.stdin.end(`${rows(2).join('\n')}\n`);
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const [code] = (await closed) as [number];
      assert.equal(code, 0, stderr);
      assert.equal(lineCount(), 5);
    } finally {
      clearTimeout(killer);
      child.kill();
    }
  });

  it('exits 2 from a real process on a malformed header', async () => {
    const child = startCommand();
    const killer = setTimeout(() => child.kill(), 30_000);
    try {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end('value;timestamp\n1;2\n');
      const [code] = (await once(child, 'close')) as [number];
      assert.equal(code, 2);
      assert.match(stderr, /the first line must be the header "timestamp,value"/);
    } finally {
      clearTimeout(killer);
    }
  });
});
