/**
 * A real Squid on 127.0.0.1 for the proxy tests: its own configuration, logs and pid file in a
 * temporary folder, names resolved from a hosts file of the test's choosing (and never from a
 * real DNS server), optionally asking for Basic credentials checked by Squid's own basic_ncsa_auth.
 * `.ci/run` installs the Debian package; without it the tests say so and skip.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './servers';
import { skipForMissing } from './testDependencies';

const SQUID_CANDIDATES = ['/usr/sbin/squid', '/usr/local/sbin/squid', '/usr/bin/squid'];
const NCSA_AUTH_CANDIDATES = ['/usr/lib/squid/basic_ncsa_auth', '/usr/lib64/squid/basic_ncsa_auth', '/usr/libexec/squid/basic_ncsa_auth'];
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export interface SquidOptions {
  /** Name to address, written to the proxy's hosts file: names only the proxy can resolve. */
  hosts: Record<string, string>;
  /** When given, the proxy answers 407 to anyone without these credentials. */
  user?: { name: string; password: string };
}

export interface RunningSquid {
  port: number;
  /** `http://127.0.0.1:port`. */
  url: string;
  /** The proxy's access log so far, one request a line (`... GET http://host/ ...`, `... CONNECT host:port ...`). */
  accessLog(): string[];
  /**
   * Waits (up to two seconds) for a line of the access log after the first `skip` lines that
   * contains `text`: Squid logs a tunnel only once it closed.
   */
  waitForLogLine(text: string, skip: number): Promise<string | undefined>;
  close(): Promise<void>;
}

function findExecutable(candidates: readonly string[]): string | undefined {
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why the Squid tests cannot run here, or undefined when they can. */
export function squidUnavailable(): string | undefined {
  if (findExecutable(SQUID_CANDIDATES)) return undefined;
  return skipForMissing('squid', 'squid is not installed (apt-get install squid); the checks through a real proxy are skipped');
}

export async function startSquid(options: SquidOptions): Promise<RunningSquid> {
  const squid = findExecutable(SQUID_CANDIDATES);
  if (!squid) throw new Error(squidUnavailable());
  // Started as root, Squid works as the unprivileged `proxy` user, which must reach and write this
  // folder: directly in the system's temporary folder, since a test's own TMPDIR (the VS Code
  // tests' one, say) may sit inside folders only root can enter.
  const folder = mkdtempSync(join(existsSync('/tmp') ? '/tmp' : tmpdir(), 'nm-squid-'));
  chmodSync(folder, 0o777);
  const port = await closedPort();
  const write = (name: string, text: string): string => {
    const path = join(folder, name);
    writeFileSync(path, text);
    chmodSync(path, 0o644);
    return path;
  };
  const hostsFile = write(
    'hosts',
    Object.entries(options.hosts)
      .map(([name, address]) => `${address} ${name}\n`)
      .join(''),
  );
  const accessLog = join(folder, 'access.log');
  const cacheLog = join(folder, 'cache.log');
  const lines = [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${join(folder, 'squid.pid')}`,
    `cache_log ${cacheLog}`,
    `access_log stdio:${accessLog}`,
    `coredump_dir ${folder}`,
    'cache deny all',
    'strip_query_terms off',
    'cache_mem 8 MB',
    `hosts_file ${hostsFile}`,
    // A name missing from the hosts file must not reach a real DNS server: nothing answers here.
    'dns_nameservers 127.0.0.1',
    'visible_hostname network-monitor-test-proxy',
    'pinger_enable off',
    'shutdown_lifetime 0 seconds',
  ];
  if (options.user) {
    const ncsaAuth = findExecutable(NCSA_AUTH_CANDIDATES);
    if (!ncsaAuth) throw new Error('basic_ncsa_auth, which comes with squid, was not found');
    const hash = execFileSync('openssl', ['passwd', '-apr1', options.user.password]).toString().trim();
    const passwords = write('passwd', `${options.user.name}:${hash}\n`);
    lines.push(`auth_param basic program ${ncsaAuth} ${passwords}`, 'acl users proxy_auth REQUIRED', 'http_access allow localhost users');
  } else {
    lines.push('http_access allow localhost');
  }
  lines.push('http_access deny all');
  const config = write('squid.conf', `${lines.join('\n')}\n`);

  const child = spawn(squid, ['-N', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilListening(port, child, () => `${stderr}\n${existsSync(cacheLog) ? readFileSync(cacheLog, 'utf8') : ''}`);
  } catch (error) {
    await stop(child, exited);
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  const readAccessLog = (): string[] => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8').split('\n').filter(Boolean) : []);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    accessLog: readAccessLog,
    waitForLogLine: async (text, skip) => {
      for (let attempt = 0; attempt < 40; attempt++) {
        const line = readAccessLog()
          .slice(skip)
          .find((candidate) => candidate.includes(text));
        if (line !== undefined) return line;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return undefined;
    },
    close: async () => {
      await stop(child, exited);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

async function waitUntilListening(port: number, child: ChildProcess, diagnostics: () => string): Promise<void> {
  const startedAt = Date.now();
  for (let attempt = 0; attempt < 200 && Date.now() - startedAt < START_TIMEOUT_MS; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`squid exited before listening:\n${diagnostics()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`squid did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${diagnostics()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
