/**
 * Which authorities an HTTPS check trusts, against real HTTPS servers on 127.0.0.1 whose
 * certificates a test authority signed: a target's own `ca` file, the system's store (as
 * SSL_CERT_FILE points OpenSSL at it), and what happens when either is missing or unreadable.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Prober, type ProberOptions } from '../../../src/core/probes/prober';
import { certificatesIn } from '../../../src/core/probes/trustStore';
import { resolveTarget, type TargetEntryObject } from '../../../src/core/targets/target';
import { createTestCa } from '../../support/certificates';
import { startHttpsServer } from '../../support/servers';
import { linkToDevZero, makeFifo, releaseFifoReaders, SPECIAL_FILES_SUPPORTED } from '../../support/specialFiles';

describe('trusted certificate authorities', () => {
  const companyCa = createTestCa('Example Company Internal CA');
  const folder = mkdtempSync(join(tmpdir(), 'nm-ca-'));
  const caFile = join(folder, 'company-ca.pem');
  writeFileSync(caFile, companyCa.cert);
  // A system bundle as distributions ship it, with the company's authority added.
  const systemBundle = join(folder, 'ca-certificates.crt');
  writeFileSync(systemBundle, `# system bundle\n${createTestCa('Some Public Root').cert}\n${companyCa.cert}\n`);
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    rmSync(folder, { recursive: true, force: true });
  });

  async function internalSite(): Promise<string> {
    const server = await startHttpsServer(companyCa.issue({ hosts: ['127.0.0.1'] }), (_request, response) => response.end('internal'));
    servers.push(server);
    return `${server.origin}/`;
  }

  async function check(entry: TargetEntryObject, options: ProberOptions) {
    const target = resolveTarget({ timeout: 5000, ...entry });
    if (!target.ok) throw new Error(target.error);
    return new Prober(options).check(target.value);
  }

  const noSystemStore: ProberOptions = { trust: { systemCertificates: () => false } };

  test('a target with its own ca file is UP; the same site without it is an untrusted issuer', async () => {
    const url = await internalSite();
    const trusted = await check({ url, ca: caFile }, noSystemStore);
    assert.equal(trusted.status, 'UP', trusted.message);
    assert.equal(trusted.tls?.authorized, true);
    assert.match(trusted.tls?.issuer ?? '', /Example Company Internal CA/);
    const untrusted = await check({ url }, noSystemStore);
    assert.equal(untrusted.reason, 'TLS_ERROR');
    assert.match(untrusted.message, /untrusted issuer/);
  });

  test('with system certificates on, an authority in the system store is trusted; off, it is not', async () => {
    const url = await internalSite();
    let systemCertificates = true;
    const prober: ProberOptions = { trust: { systemCertificates: () => systemCertificates, env: { SSL_CERT_FILE: systemBundle } } };
    const target = resolveTarget({ url, timeout: 5000 });
    if (!target.ok) throw new Error(target.error);
    const probe = new Prober(prober);
    const on = await probe.check(target.value);
    assert.equal(on.status, 'UP', on.message);
    systemCertificates = false;
    const off = await probe.check(target.value);
    assert.equal(off.reason, 'TLS_ERROR', 'the setting applies at the next check');
  });

  test('a ca file that is missing or holds no certificate fails the check with a message that says so', async () => {
    const url = await internalSite();
    const missing = await check({ url, ca: join(folder, 'nowhere.pem') }, noSystemStore);
    assert.equal(missing.reason, 'TLS_ERROR');
    assert.match(missing.message, /the CA file .*nowhere\.pem cannot be read \(ENOENT\)/);
    const empty = join(folder, 'empty.pem');
    writeFileSync(empty, 'not a certificate');
    const notPem = await check({ url, ca: empty }, noSystemStore);
    assert.match(notPem.message, /holds no PEM certificate/);
  });

  test(
    'a ca path to a device, a FIFO or an oversized file fails the check without reading it',
    { skip: !SPECIAL_FILES_SUPPORTED, timeout: 60_000 },
    async () => {
      const url = await internalSite();
      const fifo = makeFifo(join(folder, 'ca.fifo'));
      const oversized = join(folder, 'huge.pem');
      writeFileSync(oversized, companyCa.cert);
      truncateSync(oversized, 4 * 1024 * 1024 + 1);
      try {
        for (const ca of ['/dev/zero', linkToDevZero(join(folder, 'zero.pem')), fifo]) {
          const result = await check({ url, ca }, noSystemStore);
          assert.equal(result.reason, 'TLS_ERROR', `${ca}: ${result.message}`);
          assert.match(result.message, /the CA file .* cannot be used: it is not a regular file/, ca);
        }
        const tooLarge = await check({ url, ca: oversized }, noSystemStore);
        assert.match(tooLarge.message, /the CA file .*huge\.pem cannot be used: it is larger than 4194304 bytes/);
      } finally {
        releaseFifoReaders(fifo);
      }
    },
  );

  test("an entry's ca must be an absolute path", () => {
    const relative = resolveTarget({ url: 'https://example.test/', ca: 'certs/ca.pem' });
    assert.equal(relative.ok, false);
    assert.match(relative.ok ? '' : relative.error, /absolute path/);
    assert.equal(certificatesIn(`${companyCa.cert}\n${companyCa.cert}`).length, 2);
  });
});
