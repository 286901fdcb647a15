/**
 * Which certificate authorities an HTTPS check trusts: Node's bundled roots, plus the operating
 * system's store when `systemCertificates` is on (VS Code's `http.systemCertificates`, on by
 * default, and always in the CLI, as curl does), plus a target's own `ca` file. Company networks
 * need the second (an internal CA, or a proxy that re-signs TLS), internal services the third.
 *
 * The system store is read once: Node's own reader where it has one (Node 22.15 and later), else
 * the bundle OpenSSL would use on Linux (`SSL_CERT_FILE`, or the distribution's file), or the
 * system keychains on macOS. Each distinct set of authorities becomes one TLS secure context,
 * built once and reused, since parsing a few hundred certificates per connection would cost more
 * than the handshake.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { readCappedRegularFile, UnsuitableFileError } from '../cappedFile';

const execFileAsync = promisify(execFile);

/** Where Linux distributions keep the bundle of trusted roots, in the order OpenSSL builds look. */
const LINUX_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/ssl/cert.pem',
];
const MAC_KEYCHAINS = ['/System/Library/Keychains/SystemRootCertificates.keychain', '/Library/Keychains/System.keychain'];
/** A bundle of every public root is about 200 KB; a `ca` file is one company's few certificates. */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export class CaFileError extends Error {}

export interface TrustStoreOptions {
  /** Read before every check, so a changed setting applies at once (default: on). */
  systemCertificates?: () => boolean;
  /** The environment (`SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS`); the process's by default. */
  env?: NodeJS.ProcessEnv;
  /** Told once when the system store cannot be read; checks go on with Node's roots. */
  onProblem?: (message: string) => void;
}

export function certificatesIn(pem: string): string[] {
  return pem.match(PEM_CERTIFICATE) ?? [];
}

export class TrustStore {
  private system: Promise<string[]> | undefined;
  /** NODE_EXTRA_CA_CERTS: Node adds them to its default store, which an explicit list replaces. */
  private nodeExtra: Promise<string[]> | undefined;
  private readonly contexts = new Map<string, SecureContext>();
  private readonly caFiles = new Map<string, { mtimeMs: number; size: number; certificates: string[] }>();
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: TrustStoreOptions = {}) {
    this.env = options.env ?? process.env;
  }

  /**
   * The secure context for a connection to a target with `caFile` (or none): undefined when
   * Node's defaults are all it needs. A `caFile` that cannot be read is a CaFileError.
   */
  async contextFor(caFile: string | undefined): Promise<SecureContext | undefined> {
    const useSystem = this.options.systemCertificates?.() ?? true;
    if (!useSystem && caFile === undefined) return undefined;
    const extra = [...(useSystem ? await this.systemCertificates() : []), ...(caFile !== undefined ? await this.readCaFile(caFile) : [])];
    if (extra.length === 0) return undefined;
    const key = `${useSystem}|${caFile ?? ''}|${extra.length}|${this.caFiles.get(caFile ?? '')?.mtimeMs ?? ''}`;
    let context = this.contexts.get(key);
    if (!context) {
      context = createSecureContext({ ca: [...new Set([...rootCertificates, ...(await this.nodeExtraCertificates()), ...extra])] });
      this.contexts.set(key, context);
    }
    return context;
  }

  private systemCertificates(): Promise<string[]> {
    this.system ??= this.loadSystemCertificates().catch((error: unknown) => {
      this.options.onProblem?.(
        `The system's trusted certificates could not be read (${(error as Error).message}); HTTPS checks trust Node's bundled roots only.`,
      );
      return [];
    });
    return this.system;
  }

  private async loadSystemCertificates(): Promise<string[]> {
    const certFile = this.env.SSL_CERT_FILE;
    if (certFile) return certificatesIn(await fs.readFile(certFile, 'utf8'));
    const nodeReader = (tls as { getCACertificates?: (type: 'system') => string[] }).getCACertificates;
    if (typeof nodeReader === 'function') return nodeReader('system');
    if (process.platform === 'darwin') {
      const { stdout } = await execFileAsync('security', ['find-certificate', '-a', '-p', ...MAC_KEYCHAINS], {
        maxBuffer: 32 * 1024 * 1024,
      });
      return certificatesIn(stdout);
    }
    if (process.platform === 'win32') {
      // Node 20 has no reader for the Windows store; Node 22.15 and later take the branch above.
      return [];
    }
    for (const bundle of LINUX_BUNDLES) {
      try {
        return certificatesIn(await fs.readFile(bundle, 'utf8'));
      } catch {
        // The next place.
      }
    }
    return [];
  }

  private nodeExtraCertificates(): Promise<string[]> {
    const file = this.env.NODE_EXTRA_CA_CERTS;
    this.nodeExtra ??= file ? fs.readFile(file, 'utf8').then(certificatesIn, () => []) : Promise.resolve([]);
    return this.nodeExtra;
  }

  private async readCaFile(caFile: string): Promise<string[]> {
    const path = caFile.startsWith('~/') ? `${homedir()}${caFile.slice(1)}` : caFile;
    const cannotRead = (error: unknown): CaFileError =>
      new CaFileError(`the CA file ${caFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    let stat;
    try {
      stat = await fs.stat(path);
    } catch (error) {
      throw cannotRead(error);
    }
    const cached = this.caFiles.get(caFile);
    if (cached && stat.isFile() && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.certificates;
    let read;
    try {
      read = await readCappedRegularFile(path, MAX_CA_FILE_BYTES);
    } catch (error) {
      if (!(error instanceof UnsuitableFileError)) throw cannotRead(error);
      throw new CaFileError(
        `the CA file ${caFile} cannot be used: ${error.message}; it should be a file of PEM certificates, at most ${MAX_CA_FILE_BYTES / 1024 / 1024} MB`,
      );
    }
    const certificates = certificatesIn(read.data.toString('utf8'));
    if (certificates.length === 0) throw new CaFileError(`the CA file ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    this.caFiles.set(caFile, { mtimeMs: read.stat.mtimeMs, size: read.stat.size, certificates });
    return certificates;
  }
}
