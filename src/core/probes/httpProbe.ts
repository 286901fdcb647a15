/**
 * The HTTP(S) check: a fresh connection every time (so connect and TLS are measured on every
 * check), redirects followed by hand (so every hop is timed and loops are caught), one deadline for
 * the whole check including the body, and the body read only up to a bound.
 */
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type TLSSocket } from 'node:tls';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'undici';
import type { Dispatcher } from 'undici';
import type { CheckResult, PhaseTimings } from './checkResult';
import type { Target, HttpOptions } from '../targets/target';
import { statusAccepted } from '../targets/target';
import { connectTcp, startTls } from './connect';
import { type DnsResolver } from './dnsResolver';
import { CheckRun, type Outcome } from './checkRun';
import { classifyError, ProbeFailure } from './failure';
import { evaluateJsonPath, parseJsonPath } from './jsonPath';
import { PatternTooSlow } from './bodyPatterns';
import { classifyAddress, type AddressClass } from './addressClass';
import { assertAddressesAllowed, carriesSecrets, headersForRedirect, resendRefusal, type HopOrigin } from './networkPolicy';
import { assertWriteAllowed } from './privateAddresses';
import { readTlsDetails } from './tlsDetails';
import { isWriteRequest } from '../targets/workspaceEntryPolicy';
import { proxyAuthorization, proxyFor, type ProxyServer, type ProxySettings } from './proxySettings';
import { openTunnel } from './proxyTunnel';
import { CaFileError, type TrustStore } from './trustStore';

export const MAX_REDIRECTS = 10;

export interface ProbeEnvironment {
  resolver: DnsResolver;
  userAgent: string;
  /** Read on every check, so a changed setting applies to the next check. */
  proxy(): ProxySettings;
  /** The certificate authorities HTTPS checks trust. */
  trust: TrustStore;
  /** Which network an address is in (addressClass.ts); a test may place a loopback server on the internet. */
  classifyAddress?: (address: string) => AddressClass | undefined;
}

interface HopResponse {
  statusCode: number;
  location: string | undefined;
  /** Present only when an assertion needs the body. */
  body: Buffer | undefined;
  bodyBytes: number;
  /** The body went past `maxBodyBytes`; reading stopped and the connection was closed. */
  truncated: boolean;
}

/** A hop's response and the address it came from (undefined when a proxy resolved the name). */
interface HopResult extends HopResponse {
  serverAddress: string | undefined;
}

/** Where the check is: to charge a failure's time to the right phase and say where a timeout hit. */
interface CheckProgress {
  stage: keyof PhaseTimings;
  /** Status code of the response being read, known once its headers arrived. */
  statusCode: number | null;
  /** Who a socket error comes from, when it is not the target (the proxy). */
  peer: string | undefined;
}

const STAGE_DESCRIPTIONS: Record<keyof PhaseTimings, string> = {
  dns: 'resolving the name',
  connect: 'connecting',
  tls: 'in the TLS handshake',
  firstByte: 'waiting for the response',
  transfer: 'reading the body',
};

export async function checkHttp(target: Target, env: ProbeEnvironment, signal: AbortSignal | undefined): Promise<CheckResult> {
  const options = target.http!;
  const run = new CheckRun(target, signal);
  const progress: CheckProgress = { stage: 'dns', statusCode: null, peer: undefined };
  try {
    let url = new URL(target.url);
    let method = options.method;
    let body = options.body;
    let headers = options.headers;
    const visited = new Set([url.href]);
    const classify = env.classifyAddress;
    let origin: HopOrigin = { blockLinkLocal: target.blockLinkLocal, classify };
    for (let hop = 0; ; hop++) {
      progress.statusCode = null;
      progress.peer = undefined;
      const response = await requestOnce(url, method, body, headers, origin, target, env, run, progress);
      const redirect = response.location !== undefined && response.statusCode >= 300 && response.statusCode < 400;
      if (!redirect) return run.result(await judge(response, options, run.clock.totalMs));
      const statusCode = response.statusCode;
      const next = new URL(response.location!, url);
      if (visited.has(next.href)) {
        return run.result({
          status: 'DOWN',
          reason: 'REDIRECT_LOOP',
          statusCode,
          message: `Redirect loop: ${next.href} was already visited.`,
        });
      }
      if (hop + 1 > MAX_REDIRECTS) {
        return run.result({ status: 'DOWN', reason: 'REDIRECT_LOOP', statusCode, message: `More than ${MAX_REDIRECTS} redirects.` });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return run.result({ status: 'DOWN', reason: 'ERROR', statusCode, message: `Redirected to an unsupported URL: ${next.href}` });
      }
      if (url.protocol === 'https:' && next.protocol === 'http:' && carriesSecrets(headers, options.secretHeaderNames)) {
        return run.result({
          status: 'DOWN',
          reason: 'BLOCKED',
          statusCode,
          message: `Redirected from HTTPS to plain HTTP (${next.origin}) with a secret header attached; not followed, so the secret is not sent unencrypted. Point the target at the final URL.`,
        });
      }
      headers = headersForRedirect(headers, options.secretHeaderNames, url, next);
      visited.add(next.href);
      // Browsers turn a redirected POST into a GET except for 307/308; so do we.
      if (statusCode === 303 || ((statusCode === 301 || statusCode === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      const resendRefused = resendRefusal(method, body, url, next);
      if (resendRefused !== undefined) return run.result({ status: 'DOWN', reason: 'BLOCKED', statusCode, message: resendRefused });
      // Unknown behind a proxy (it resolved the name): judged as the internet, the strictest.
      const redirectedFrom =
        (response.serverAddress === undefined ? undefined : (classify ?? classifyAddress)(response.serverAddress)) ?? 'public';
      origin = { blockLinkLocal: target.blockLinkLocal, classify, redirectedFrom };
      url = next;
    }
  } catch (error) {
    run.clock.lap(progress.stage);
    if (run.deadline.expired) {
      return run.timedOut(
        `No complete response within ${target.timeoutMs} ms (timed out while ${STAGE_DESCRIPTIONS[progress.stage]}).`,
        progress.statusCode,
      );
    }
    const failure = classifyError(error, progress.peer ?? new URL(target.url).host);
    return run.result({ status: 'DOWN', reason: failure.reason, message: failure.message });
  } finally {
    run.dispose();
  }
}

async function judge(response: HopResponse, options: HttpOptions, totalMs: number): Promise<Outcome> {
  const statusCode = response.statusCode;
  const down = (reason: 'HTTP_STATUS' | 'ASSERTION_FAILED', message: string) => ({ status: 'DOWN' as const, reason, message, statusCode });
  if (!statusAccepted(statusCode, options.expectStatus)) {
    const accepted = options.expectStatus.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',');
    return down('HTTP_STATUS', `HTTP ${statusCode} is not an accepted status (${accepted}).`);
  }
  if (response.body) {
    const text = response.body.toString('utf8');
    const scope = response.truncated ? ` (in the first ${response.body.length} bytes)` : '';
    try {
      if (options.bodyContains && !(await options.bodyContains.matches(text)))
        return down('ASSERTION_FAILED', `The body does not contain ${options.bodyContains.source}${scope}.`);
      if (options.bodyNotContains && (await options.bodyNotContains.matches(text)))
        return down('ASSERTION_FAILED', `The body contains ${options.bodyNotContains.source}${scope}.`);
    } catch (error) {
      if (!(error instanceof PatternTooSlow)) throw error;
      return down(
        'ASSERTION_FAILED',
        `The body was not checked: ${error.message} (${response.body.length} bytes). Use a simpler pattern or a plain substring.`,
      );
    }
    if (options.jsonPath !== undefined) {
      const failure = checkJsonPath(text, options.jsonPath, options.equals, response.truncated);
      if (failure) return down('ASSERTION_FAILED', failure);
    }
  }
  const truncatedNote = response.truncated
    ? ` Body larger than ${formatBytes(options.maxBodyBytes)}: read that much and closed the connection.`
    : '';
  if (options.latencyBudgetMs !== undefined && totalMs > options.latencyBudgetMs) {
    return {
      status: 'DEGRADED',
      reason: 'SLOW',
      statusCode,
      message: `HTTP ${statusCode} in ${totalMs.toFixed(0)} ms, slower than the ${options.latencyBudgetMs} ms budget.${truncatedNote}`,
    };
  }
  return { status: 'UP', reason: null, statusCode, message: `HTTP ${statusCode} in ${totalMs.toFixed(1)} ms.${truncatedNote}` };
}

function checkJsonPath(text: string, path: string, expected: unknown, truncated: boolean): string | undefined {
  const steps = parseJsonPath(path);
  if (!steps) return `${path} is not a JSON path this monitor understands (use $.a.b[0]).`;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return truncated ? 'The body is too large to check as JSON.' : 'The body is not valid JSON.';
  }
  const result = evaluateJsonPath(document, steps);
  if (!result.found) return `${path} is not present in the JSON body.`;
  if (!isDeepStrictEqual(result.value, expected))
    return `${path} is ${JSON.stringify(result.value)}, expected ${JSON.stringify(expected)}.`;
  return undefined;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) ? 1 : 0)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** Host (IPv6 without brackets), port and scheme of a target's or a proxy's URL. */
function endpointOf(url: URL): { host: string; port: number; https: boolean } {
  const https = url.protocol === 'https:';
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : https ? 443 : 80, https };
}

function needsBody(options: HttpOptions): boolean {
  return options.bodyContains !== undefined || options.bodyNotContains !== undefined || options.jsonPath !== undefined;
}

async function requestOnce(
  url: URL,
  method: string,
  body: string | undefined,
  headers: Readonly<Record<string, string>>,
  origin: HopOrigin,
  target: Target,
  env: ProbeEnvironment,
  run: CheckRun,
  progress: CheckProgress,
): Promise<HopResult> {
  const options = target.http!;
  const { clock, deadline } = run;
  const { host, port, https } = endpointOf(url);

  const proxySettings = env.proxy();
  const proxy = proxyFor(url, proxySettings);
  if (proxy) {
    const response = await requestThroughProxy(
      proxy,
      proxySettings.strictSSL,
      url,
      method,
      body,
      headers,
      origin,
      target,
      env,
      run,
      progress,
    );
    return { ...response, serverAddress: isIP(host) !== 0 ? host : undefined };
  }

  let serverAddress: string | undefined;
  // Opened when undici asks for the connection, once it has built the request: the clock starts with
  // the first byte that moves, and the request is written as soon as the connection is ready.
  const open = async (): Promise<Socket> => {
    progress.stage = 'dns';
    clock.startNow();
    const resolution = env.resolver.resolveWithoutLookup(host) ?? (await deadline.race(env.resolver.resolve(host)));
    if (run.addresses.length === 0) run.addresses = resolution.addresses;
    // Every hop, on the addresses the connection will use, so neither a redirect nor a name that
    // resolves somewhere else this time leads where the policy forbids.
    assertAddressesAllowed(resolution.addresses, host, origin);
    assertWriteAllowed(resolution.addresses, host, isWriteRequest(method, body, headers), target.writesNeedPublicAddress);
    // A cache hit costs microseconds; charge it to connect so dns reports only real lookups.
    if (resolution.measured) clock.lap('dns');

    progress.stage = 'connect';
    const connection = await connectTcp(resolution.addresses, port, deadline);
    clock.lap('connect');
    serverAddress = connection.address;
    const socket = https ? await handshakeWithTarget(connection.socket, host, options, env, run, progress) : connection.socket;
    progress.stage = 'firstByte';
    return socket;
  };
  const response = await exchange(url, method, body, headers, options, env.userAgent, open, run, progress);
  return { ...response, serverAddress };
}

/** The TLS handshake with the target (directly or inside a proxy's tunnel), its certificate recorded and judged. */
async function handshakeWithTarget(
  socket: Socket,
  host: string,
  options: HttpOptions,
  env: ProbeEnvironment,
  run: CheckRun,
  progress: CheckProgress,
): Promise<TLSSocket> {
  progress.stage = 'tls';
  let secureContext;
  try {
    secureContext = await env.trust.contextFor(options.caFile);
  } catch (error) {
    socket.destroy();
    if (error instanceof CaFileError) throw new ProbeFailure('TLS_ERROR', `Cannot check the certificate of ${host}: ${error.message}.`);
    throw error;
  }
  const tlsSocket = await startTls(socket, host, run.deadline, secureContext);
  run.clock.lap('tls');
  run.tls = readTlsDetails(tlsSocket, host);
  if (options.tlsVerify && !run.tls.authorized) {
    tlsSocket.destroy();
    throw new ProbeFailure('TLS_ERROR', `Certificate of ${host} rejected: ${run.tls.authorizationError}.`);
  }
  return tlsSocket;
}

/**
 * One request through a proxy. The dns phase is the lookup of the proxy's name (the target's name
 * is the proxy's to resolve, and we cannot time it); connect is the connection to the proxy plus,
 * for HTTPS, the proxy's answer to CONNECT (in which it resolves the name and connects to the
 * target), and `CheckResult.proxy` splits the two; for HTTP, the proxy's lookup and connect to the
 * target fall in firstByte, where we wait for them. An HTTP target is asked for in absolute form
 * on the proxy's connection; an HTTPS target gets its TLS handshake inside the tunnel, so its
 * certificate is checked as on a direct connection. Proxy-Authorization goes to the proxy only:
 * on the CONNECT request, or on a plain HTTP request, which the proxy consumes.
 */
async function requestThroughProxy(
  proxy: ProxyServer,
  strictSSL: boolean,
  url: URL,
  method: string,
  body: string | undefined,
  headers: Readonly<Record<string, string>>,
  origin: HopOrigin,
  target: Target,
  env: ProbeEnvironment,
  run: CheckRun,
  progress: CheckProgress,
): Promise<HopResponse> {
  const options = target.http!;
  const { clock, deadline } = run;
  const { host, port, https } = endpointOf(url);
  // The proxy resolves names, so only an address written in the URL can be refused up front.
  if (isIP(host) !== 0) {
    assertAddressesAllowed([host], host, origin);
    assertWriteAllowed([host], host, isWriteRequest(method, body, headers), target.writesNeedPublicAddress);
  }

  const proxyUrl = new URL(proxy.url);
  const { host: proxyHost, port: proxyPort } = endpointOf(proxyUrl);
  const proxyName = proxyUrl.host;
  progress.peer = `the proxy ${proxyName}`;
  const route = (run.proxy ??= { url: proxy.url, connectMs: 0, tunnelMs: 0 });
  route.url = proxy.url;
  const authorization = proxyAuthorization(proxy);

  progress.stage = 'dns';
  clock.startNow();
  const resolution = env.resolver.resolveWithoutLookup(proxyHost) ?? (await deadline.race(env.resolver.resolve(proxyHost)));
  if (resolution.measured) clock.lap('dns');

  progress.stage = 'connect';
  const connectStartedMs = clock.phases.connect;
  let socket: Socket = (await connectTcp(resolution.addresses, proxyPort, deadline)).socket;
  if (proxyUrl.protocol === 'https:') {
    // A company proxy's certificate is often signed by the company's own authority, in the system store.
    const proxyTls = await startTls(socket, proxyHost, deadline, await env.trust.contextFor(undefined));
    socket = proxyTls;
    const proxyCertificate = readTlsDetails(proxyTls, proxyHost);
    if (strictSSL && !proxyCertificate.authorized) {
      proxyTls.destroy();
      throw new ProbeFailure('TLS_ERROR', `Certificate of the proxy ${proxyName} rejected: ${proxyCertificate.authorizationError}.`);
    }
  }
  clock.lap('connect');
  route.connectMs += clock.phases.connect - connectStartedMs;

  if (!https) {
    progress.stage = 'firstByte';
    return await exchange(url, method, body, headers, options, env.userAgent, () => Promise.resolve(socket), run, progress, {
      origin: proxyUrl.origin,
      authorization,
    });
  }

  const tunnelStartedMs = clock.phases.connect;
  socket = await openTunnel(socket, host, port, authorization, proxyName, deadline);
  clock.lap('connect');
  route.tunnelMs += clock.phases.connect - tunnelStartedMs;
  progress.peer = undefined;
  socket = await handshakeWithTarget(socket, host, options, env, run, progress);

  progress.stage = 'firstByte';
  return await exchange(url, method, body, headers, options, env.userAgent, () => Promise.resolve(socket), run, progress);
}

/**
 * Sends the request and reads the response, through undici, over the connection `open` makes when
 * undici asks for it: undici builds the request first, so that work is neither timed nor between
 * the connection being ready and the request being written.
 */
function exchange(
  url: URL,
  method: string,
  body: string | undefined,
  requestHeaders: Readonly<Record<string, string>>,
  options: HttpOptions,
  userAgent: string,
  open: () => Promise<Socket>,
  { clock, deadline }: CheckRun,
  progress: CheckProgress,
  viaProxy?: { origin: string; authorization: string | undefined },
): Promise<HopResponse> {
  return new Promise<HopResponse>((resolve, reject) => {
    if (deadline.expired) {
      reject(deadline.reason);
      return;
    }
    let connection: Promise<Socket> | undefined;
    // When the response's bytes were handed to us: stamped as the socket reports them, before undici
    // parses them, so the first byte and the last are timed where they arrived, not after the parsing
    // or whatever else the event loop does before our callbacks run.
    let bytesArrivedAt = performance.now();
    const stampArrival = (): void => {
      bytesArrivedAt = performance.now();
    };
    const client = new Client(viaProxy?.origin ?? url.origin, {
      connect: (_options, callback) => {
        connection = open();
        connection.then(
          (socket) => {
            // Before undici's own listeners, which it adds once it has the socket, so this runs first.
            socket.on('readable', stampArrival);
            socket.on('end', stampArrival);
            callback(null, socket);
          },
          (error: unknown) => {
            settle({ error });
            callback(error as Error, null);
          },
        );
      },
      pipelining: 1,
      // The check's own deadline bounds everything; undici's idle timers would only interfere.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const collect = needsBody(options);
    const chunks: Buffer[] = [];
    let statusCode = 0;
    let location: string | undefined;
    let bodyBytes = 0;
    let settled = false;
    const settle = (outcome: { response: HopResponse } | { error: unknown }): void => {
      if (settled) return;
      settled = true;
      unregister();
      // A complete response needs nothing more: the request is sent with `reset` (Connection: close), so
      // undici destroys the socket as the response completes and the Client is left holding nothing.
      // Closing it would only build a ClientDestroyedError, stack trace and all, on every check.
      // Anything else (a redirect whose body is skipped, a body past the bound, an error, the deadline)
      // tears the connection down here.
      const finishedCleanly = 'response' in outcome && !outcome.response.truncated && outcome.response.location === undefined;
      if (!finishedCleanly) {
        client.destroy().catch(() => {});
        // Also when undici has not taken the connection yet (it is still opening).
        connection?.then(
          (socket) => socket.destroy(),
          () => {},
        );
      }
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.response);
    };
    const respond = (truncated: boolean): void => {
      clock.lap('transfer', bytesArrivedAt);
      settle({ response: { statusCode, location, body: collect ? Buffer.concat(chunks) : undefined, bodyBytes, truncated } });
    };
    const unregister = deadline.onCancel((reason) => settle({ error: reason }));

    const handler: Dispatcher.DispatchHandler = {
      onConnect: () => {},
      onResponseStarted: () => {
        clock.lap('firstByte', bytesArrivedAt);
        progress.stage = 'transfer';
      },
      onHeaders: (code, rawHeaders) => {
        statusCode = code;
        progress.statusCode = code;
        location = headerValue(rawHeaders, 'location');
        // A redirect's body is not needed.
        if (location !== undefined && code >= 300 && code < 400) respond(false);
        return true;
      },
      onData: (chunk) => {
        const room = options.maxBodyBytes - bodyBytes;
        bodyBytes += chunk.length;
        if (collect) chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, Math.max(room, 0)));
        if (bodyBytes > options.maxBodyBytes) {
          respond(true);
          return false;
        }
        return true;
      },
      onComplete: () => respond(false),
      onError: (error) => settle({ error }),
    };
    const headers: Record<string, string> = { 'user-agent': userAgent, ...requestHeaders };
    // One request per connection, said so (`reset` sends Connection: close): the server frees the
    // connection at once instead of holding it for keep-alive, and the socket ends as the response does.
    if (viaProxy) {
      // Absolute form, as RFC 9112 asks of a request to a proxy; the URL's own credentials stay out of it.
      delete headers['proxy-authorization'];
      headers.host = url.host;
      if (viaProxy.authorization !== undefined) headers['proxy-authorization'] = viaProxy.authorization;
      client.dispatch(
        { origin: viaProxy.origin, path: url.origin + url.pathname + url.search, method, headers, body, reset: true },
        handler,
      );
      return;
    }
    client.dispatch({ origin: url.origin, path: url.pathname + url.search, method, headers, body, reset: true }, handler);
  });
}

function headerValue(rawHeaders: Buffer[] | string[] | null | undefined, name: string): string | undefined {
  if (!rawHeaders) return undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const header = rawHeaders[i]!;
    // Only a header of the right length is turned into a string: this runs on every check.
    if (header.length === name.length && header.toString().toLowerCase() === name) return rawHeaders[i + 1]!.toString();
  }
  return undefined;
}
