/**
 * The API in the CLI's watch mode (`network-monitor watch --api-port N`): the token lives in a
 * file only the user can read, made on first use, and the CLI prints how to call the API.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ApiDataSource } from '../core/api/apiDataSource';
import { ApiServer } from '../core/api/apiServer';
import { createApiToken } from '../core/api/requestGuards';
import { ensurePrivateDirectory, openPrivateExclusive } from '../core/store/privateFiles';

export const API_TOKEN_FILE = 'api-token';

export interface CliApiOptions {
  port: number;
  /** The CLI's data folder; the token file goes there unless `tokenFile` says otherwise. */
  dataDirectory: string;
  tokenFile?: string;
  source: ApiDataSource;
  allowUnauthenticatedMetrics?: boolean;
  corsOrigin?: string;
  /** Where the how-to-call lines go (default: stderr, so stdout stays machine-readable). */
  print?: (line: string) => void;
  onError?: (error: unknown) => void;
}

export interface CliApi {
  server: ApiServer;
  port: number;
  tokenFile: string;
  token: string;
  dispose(): Promise<void>;
}

/**
 * Reads the token file, or makes one (mode 0600) with a fresh token. A file others can read is
 * narrowed to 0600 before it is used: the token is as good as a password for this machine's API.
 */
export async function readOrCreateTokenFile(path: string): Promise<{ token: string; created: boolean; narrowed: boolean }> {
  try {
    const handle = await openPrivateExclusive(path);
    const token = createApiToken();
    try {
      await handle.writeFile(`${token}\n`);
    } finally {
      await handle.close();
    }
    return { token, created: true, narrowed: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = await fs.stat(path);
  const narrowed = process.platform !== 'win32' && (stat.mode & 0o077) !== 0;
  if (narrowed) await fs.chmod(path, 0o600);
  const token = (await fs.readFile(path, 'utf8')).trim();
  if (!/^[\w.~+/=-]{16,512}$/.test(token)) {
    throw new Error(
      `The API token file ${path} does not hold a token (16 to 512 letters, digits or -._~+/=). Delete it and a new token is made on the next start.`,
    );
  }
  return { token, created: false, narrowed };
}

/** Starts the API for the CLI; rejects with `ApiPortInUseError` when the port is taken. */
export async function startApiForCli(options: CliApiOptions): Promise<CliApi> {
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  await ensurePrivateDirectory(options.dataDirectory);
  const tokenFile = options.tokenFile ?? join(options.dataDirectory, API_TOKEN_FILE);
  const { token, created, narrowed } = await readOrCreateTokenFile(tokenFile);
  if (narrowed) print(`The API token file ${tokenFile} was readable by other users; it is now readable by you only (mode 0600).`);
  const server = new ApiServer({
    port: options.port,
    token,
    allowUnauthenticatedMetrics: options.allowUnauthenticatedMetrics ?? false,
    corsOrigin: options.corsOrigin,
    source: options.source,
    onError: options.onError,
  });
  let port: number;
  try {
    ({ port } = await server.start());
  } catch (error) {
    await server.dispose();
    throw error;
  }
  const base = `http://127.0.0.1:${port}`;
  print(`API listening on ${base} (token ${created ? 'created in' : 'read from'} ${tokenFile}). Try:`);
  print(`  curl -H "Authorization: Bearer $(cat '${tokenFile}')" ${base}/api/status`);
  print(`  Prometheus: scrape ${base}/metrics with authorization credentials_file: ${tokenFile}`);
  return { server, port, tokenFile, token, dispose: () => server.dispose() };
}
