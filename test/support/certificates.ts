/**
 * Certificates made by the tests themselves: a CA to trust through NODE_EXTRA_CA_CERTS, leaf
 * certificates signed by it (valid, expired, for the wrong host), and a self-signed one.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyAndCert {
  key: string;
  cert: string;
}

const DAY_MS = 86_400_000;

function newKeyPair(): { privatePem: string; publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey } {
  // Node makes the key natively; forge (pure JS) would take seconds per key.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    privatePem,
    privateKey: forge.pki.privateKeyFromPem(privatePem),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

function baseCertificate(publicKey: forge.pki.PublicKey, commonName: string, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'Network Monitor Tests' },
  ]);
  return cert;
}

export interface TestCa extends KeyAndCert {
  issue(options: { hosts: string[]; notBefore?: Date; notAfter?: Date; commonName?: string }): KeyAndCert;
}

export function createTestCa(name = 'Network Monitor Test CA'): TestCa {
  const keys = newKeyPair();
  const now = Date.now();
  const caCert = baseCertificate(keys.publicKey, name, new Date(now - DAY_MS), new Date(now + 3650 * DAY_MS));
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return {
    key: keys.privatePem,
    cert: forge.pki.certificateToPem(caCert),
    issue({ hosts, notBefore, notAfter, commonName }) {
      const leafKeys = newKeyPair();
      const leaf = baseCertificate(
        leafKeys.publicKey,
        commonName ?? hosts[0] ?? 'localhost',
        notBefore ?? new Date(now - DAY_MS),
        notAfter ?? new Date(now + 90 * DAY_MS),
      );
      leaf.setIssuer(caCert.subject.attributes);
      leaf.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: hosts.map((host) => (/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host })),
        },
      ]);
      leaf.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
      return { key: leafKeys.privatePem, cert: forge.pki.certificateToPem(leaf) };
    },
  };
}

export function createSelfSigned(hosts: string[]): KeyAndCert {
  const keys = newKeyPair();
  const now = Date.now();
  const cert = baseCertificate(keys.publicKey, hosts[0] ?? 'localhost', new Date(now - DAY_MS), new Date(now + 30 * DAY_MS));
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'subjectAltName', altNames: hosts.map((host) => (/^[\d.]+$/.test(host) ? { type: 7, ip: host } : { type: 2, value: host })) },
  ]);
  cert.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { key: keys.privatePem, cert: forge.pki.certificateToPem(cert) };
}
