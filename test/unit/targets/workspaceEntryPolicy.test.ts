/**
 * The policy on entries from workspace and folder settings (workspaceEntryPolicy.ts), as a pure
 * function of the entry, where it was written and the approvals the user gave.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLoopbackOrPrivate } from '../../../src/core/probes/privateAddresses';
import type { TargetEntry } from '../../../src/core/targets/target';
import { entryApprovalKey, judgeEntry, NO_APPROVALS } from '../../../src/core/targets/workspaceEntryPolicy';

const fromWorkspace = (entry: TargetEntry, approved = NO_APPROVALS) => judgeEntry(entry, false, approved);

describe('workspace entry policy', () => {
  test("the user's own entries may do anything", () => {
    for (const entry of [
      { url: 'http://127.0.0.1/admin', method: 'DELETE' },
      { url: 'https://api.test/', method: 'POST', body: 'x', tlsVerify: false, headers: { Authorization: 'Bearer ${secret:t}' } },
    ]) {
      assert.deepEqual(judgeEntry(entry, true, NO_APPROVALS), { kind: 'allowed', writesNeedPublicAddress: false });
    }
  });

  test('reads from a workspace run without approval, wherever they go', () => {
    for (const entry of [
      'http://127.0.0.1:3000/',
      { url: 'http://10.0.0.5/health', method: 'head' },
      { url: 'https://api.test/', headers: { Authorization: 'Bearer ${secret:t}' } },
    ]) {
      assert.deepEqual(fromWorkspace(entry), { kind: 'allowed', writesNeedPublicAddress: false }, JSON.stringify(entry));
    }
  });

  test('a secret with tlsVerify: false or a ca is refused, even when approved', () => {
    const secret = { headers: { 'X-Key': '${secret:t}' } };
    for (const risky of [{ tlsVerify: false }, { ca: '~/ca.pem' }]) {
      const verdict = fromWorkspace({ url: 'https://api.test/', ...secret, ...risky }, () => true);
      assert.equal(verdict.kind, 'refused', JSON.stringify(risky));
    }
    assert.equal(
      fromWorkspace({ url: 'https://api.test/', tlsVerify: false }).kind,
      'allowed',
      'Without a secret there is nothing to read.',
    );
  });

  test('a write with a secret, or to a loopback or private address, needs approval; an approval is for that exact entry', () => {
    const writes: TargetEntry[] = [
      { url: 'https://api.test/orders', method: 'POST', headers: { Authorization: 'Bearer ${secret:t}' } },
      { url: 'https://api.test/orders', body: 'x', headers: { Authorization: 'Bearer ${secret:t}' } },
      { url: 'http://127.0.0.1:8080/reset', method: 'post' },
      { url: 'http://localhost:8080/reset', method: 'PUT' },
      { url: 'http://app.localhost/reset', method: 'PATCH' },
      { url: 'http://192.168.1.1/cgi-bin/reboot', method: 'POST' },
      { url: 'http://[::1]:9200/index', method: 'DELETE' },
      { url: 'http://[::ffff:10.1.2.3]/x', body: '{}' },
      { url: 'http://127.0.0.1:8080/users/1', headers: { 'X-HTTP-Method-Override': 'DELETE' } },
    ];
    for (const entry of writes) {
      const verdict = fromWorkspace(entry);
      assert.equal(verdict.kind, 'needsApproval', JSON.stringify(entry));
      const key = entryApprovalKey(entry);
      assert.equal(fromWorkspace(entry, (candidate) => candidate === key).kind, 'allowed');
    }
  });

  test('a write without a secret to a host name runs, marked so the probe refuses it at a private address', () => {
    assert.deepEqual(fromWorkspace({ url: 'https://hooks.test/ping', method: 'POST' }), {
      kind: 'allowed',
      writesNeedPublicAddress: true,
    });
  });

  test('the approval key ignores the order of fields and changes with any value', () => {
    const entry = { url: 'http://127.0.0.1/x', method: 'POST', body: 'a', headers: { A: '1', B: '2' } };
    const reordered = { headers: { B: '2', A: '1' }, body: 'a', method: 'POST', url: 'http://127.0.0.1/x' };
    assert.equal(entryApprovalKey(entry), entryApprovalKey(reordered));
    assert.notEqual(entryApprovalKey(entry), entryApprovalKey({ ...entry, body: 'b' }));
    assert.notEqual(entryApprovalKey(entry), entryApprovalKey({ ...entry, headers: { A: '1', B: '3' } }));
    assert.match(entryApprovalKey(entry), /^[0-9a-f]{64}$/);
  });

  test('loopback and private addresses in every spelling; public ones are not', () => {
    const privateOnes = [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '[::ffff:a9fe:a9fe]',
    ];
    for (const address of privateOnes) assert.ok(isLoopbackOrPrivate(address), address);
    for (const address of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '::ffff:8.8.8.8', 'example.test'])
      assert.ok(!isLoopbackOrPrivate(address), address);
  });
});
