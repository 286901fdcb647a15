/**
 * How a reading window reads the history without loading it. sql.js holds a whole database file in
 * memory, so a window that opened the history file to show it would hold tens of megabytes for a
 * year of checks, once more per open window. Instead the window that records the history (the
 * writer, which holds it anyway) answers the other windows' questions over a local socket:
 *
 * - The writer's `HistoryQueryServer` listens on a Unix socket (a named pipe on Windows) and
 *   writes where it listens, with a random token, to `history-queries.json` in the shared storage
 *   folder, a private file (0600 in a 0700 folder). Only a process that can read that file, that is
 *   the same user's, can ask: the first line of every connection must carry the token.
 * - A reading window's `RemoteHistory` reads that file, connects, and sends one JSON line per
 *   question; the writer answers each with one JSON line from its own database, and sends a
 *   `changed` line after every journal flush, so the reader's views refresh without polling.
 * - When the writer goes (its window closed, or it crashed), the connection closes; the reader
 *   reconnects on the next question or within a few seconds, whichever window writes by then, and
 *   tells its views to ask again.
 *
 * The questions are those of `core/store/historyQuestions.ts`, which declares each once; both ends
 * check a question's arguments by its declaration (the writer treats the line as untrusted input:
 * a question not in the list, or arguments of the wrong shape, get an error back); a line over its
 * size limit closes the connection.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Disposable } from '../disposable';
import { type Event, Emitter } from '../events';
import {
  answerFrom,
  askingThrough,
  HISTORY_QUESTIONS,
  type HistoryQuestion,
  isHistoryQuestion,
  type QuestionAnswer,
  type QuestionArguments,
} from '../store/historyQuestions';
import type { HistoryQueries, HistoryReader } from '../store/historyStore';
import {
  answerWaitMs,
  carryOut,
  isWriterRequest,
  type RequestAnswer,
  type RequestArguments,
  WRITER_REQUESTS,
  type WriterRequest,
  type WriterRequestHandlers,
} from './windowRequests';
import { writePrivateFileAtomically } from '../store/privateFiles';

/** Where the writer says it answers, in the shared storage folder. */
export const QUERY_ADDRESS_FILE = 'history-queries.json';
/** Each writer's socket in the storage folder: `history-<random>.sock`. */
const SOCKET_FILE = /^history-[0-9a-f]+\.sock$/;
/**
 * When the storage folder's path is too long for a socket, the writer listens in a folder of its
 * own in the temp folder instead, made by mkdtemp (0700: no other user can reach the socket, nor
 * squat or remove it) and removed when it closes. A crash leaves one behind, removed by the next
 * writer that needs one.
 */
const TEMPORARY_FOLDER_PREFIX = 'network-monitor-';
const TEMPORARY_FOLDER = /^network-monitor-[A-Za-z0-9]{6}$/;
const TEMPORARY_SOCKET = 'history.sock';
/** Earlier versions put the socket itself in the shared temp folder: `network-monitor-<random>.sock`. */
const OLD_TEMPORARY_SOCKET = /^network-monitor-[0-9a-f]{16}\.sock$/;
/** A temporary folder without a socket may be a writer's between mkdtemp and listen; after this, it is a leftover. */
const SOCKETLESS_FOLDER_AGE_MS = 60_000;
/** How long a leftover's socket may take to answer before it counts as a live writer's. */
const LIVENESS_PROBE_MS = 1_000;
/** Unix socket paths are limited to about 104 bytes (macOS) or 108 (Linux). */
const MAX_SOCKET_PATH_BYTES = 100;
/** A question is a few hundred bytes; anything longer is not one. */
const MAX_QUESTION_BYTES = 64 * 1024;
/** An answer can be a week's export of every target: bounded, but generously. */
const MAX_ANSWER_BYTES = 512 * 1024 * 1024;
/** Connections at once; when all are taken, the oldest that has not given the token yet makes room. */
const MAX_CONNECTIONS = 64;
/** A reader whose answers pile up unread is dropped rather than held in the writer's memory. */
const MAX_UNREAD_ANSWER_BYTES = 256 * 1024 * 1024;
const HELLO_TIMEOUT_MS = 3_000;
const RECONNECT_DELAYS_MS = [500, 1_000, 2_000, 5_000];
/** A slow question (a whole export) may take this many times the usual answer time. */
const SLOW_ANSWER_FACTOR = 4;

interface QueryAddress {
  socket: string;
  token: string;
  pid: number;
}

// ---- Lines on a socket ---------------------------------------------------------------------------

/** Splits a socket's data into lines, and closes the socket when one outgrows `maxBytes`. */
function readLines(socket: Socket, maxBytes: number, onLine: (line: string) => void): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.length > 0) onLine(line);
      if (socket.destroyed) return;
      newline = pending.indexOf('\n');
    }
    if (pending.length > maxBytes) socket.destroy();
  });
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Where a writer listens, and the private folder it made for that outside the storage folder, if any. */
interface ListeningPlace {
  socket: string;
  temporaryFolder?: string;
}

/**
 * A socket path of this writer's own, which nobody else can predict or squat: in the private
 * folder when it fits, else in a private folder of its own in the temp folder. Never a fixed name:
 * closing a Unix socket server unlinks its path, so a writer that wakes from a freeze and closes
 * must not remove the socket of the writer that took over.
 */
async function listeningPlaceFor(directory: string, temporaryRoot: string): Promise<ListeningPlace> {
  const random = randomBytes(8).toString('hex');
  if (process.platform === 'win32') return { socket: `\\\\.\\pipe\\network-monitor-${random}` };
  const inFolder = join(directory, `history-${random}.sock`);
  if (Buffer.byteLength(inFolder) <= MAX_SOCKET_PATH_BYTES) return { socket: inFolder };
  await removeLeftoverTemporarySockets(temporaryRoot);
  const temporaryFolder = await fs.mkdtemp(join(temporaryRoot, TEMPORARY_FOLDER_PREFIX));
  return { socket: join(temporaryFolder, TEMPORARY_SOCKET), temporaryFolder };
}

/**
 * Removes what writers that crashed left in the temp folder: this user's folders whose socket no
 * longer answers (or that never got one), and sockets of earlier versions. Another user's files, a
 * symlink, and a socket a live writer answers on are left alone.
 */
async function removeLeftoverTemporarySockets(temporaryRoot: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(temporaryRoot);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const folder = TEMPORARY_FOLDER.test(name);
    if (!folder && !OLD_TEMPORARY_SOCKET.test(name)) continue;
    const path = join(temporaryRoot, name);
    try {
      const stat = await fs.lstat(path);
      if (stat.uid !== uid || !(folder ? stat.isDirectory() : stat.isSocket())) continue;
      const socket = folder ? join(path, TEMPORARY_SOCKET) : path;
      const hasSocket = await fs.lstat(socket).then(
        () => true,
        () => false,
      );
      if (hasSocket ? await socketAnswers(socket) : Date.now() - stat.mtimeMs < SOCKETLESS_FOLDER_AGE_MS) continue;
      await fs.rm(path, { recursive: true, force: true });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/** Whether a process listens on the socket (a crashed writer's socket refuses connections). */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    const settle = (answers: boolean): void => {
      clearTimeout(timer);
      probe.destroy();
      resolve(answers);
    };
    // A socket too busy to answer at once is still somebody's.
    const timer = setTimeout(() => settle(true), LIVENESS_PROBE_MS);
    timer.unref();
    probe.once('connect', () => settle(true));
    probe.once('error', () => settle(false));
  });
}

// ---- The writer's side ---------------------------------------------------------------------------

export interface HistoryQueryServerOptions {
  /** Where a socket goes when the storage folder's path is too long for one (default: the system's temp folder). */
  temporaryRoot?: string;
  /** How this window carries out the reading windows' requests (`windowRequests.ts`); without them, requests are refused. */
  requests?: WriterRequestHandlers;
}

export class HistoryQueryServer implements Disposable {
  private readonly sockets = new Set<Socket>();
  /** The connections that gave the token: only they hear of changes. */
  private readonly greeted = new Set<Socket>();
  private readonly listeners: Disposable[] = [];
  private disposing: Promise<void> | undefined;

  private constructor(
    private readonly directory: string,
    private readonly history: HistoryQueries,
    private readonly server: Server,
    private readonly address: QueryAddress,
    private readonly temporaryFolder: string | undefined,
    private readonly requests: WriterRequestHandlers | undefined,
  ) {
    this.listeners.push(history.onDidChange(() => this.broadcast('{"event":"changed"}\n')));
  }

  /** Listens for the other windows' questions about `history`, and says where in the storage folder. */
  static async start(directory: string, history: HistoryQueries, options: HistoryQueryServerOptions = {}): Promise<HistoryQueryServer> {
    await removeStaleSockets(directory);
    const { socket, temporaryFolder } = await listeningPlaceFor(directory, options.temporaryRoot ?? tmpdir());
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socket, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      if (temporaryFolder) await fs.rm(temporaryFolder, { recursive: true, force: true });
      throw error;
    }
    // The extension host's scheduler keeps the process alive; a listening socket must not.
    server.unref();
    const address: QueryAddress = { socket, token: randomBytes(24).toString('hex'), pid: process.pid };
    const channel = new HistoryQueryServer(directory, history, server, address, temporaryFolder, options.requests);
    server.on('connection', (connection) => channel.accept(connection));
    server.on('error', () => undefined);
    try {
      await writePrivateFileAtomically(join(directory, QUERY_ADDRESS_FILE), JSON.stringify(address));
    } catch (error) {
      await channel.dispose();
      throw error;
    }
    return channel;
  }

  private accept(socket: Socket): void {
    if (this.disposing) {
      socket.destroy();
      return;
    }
    if (this.sockets.size >= MAX_CONNECTIONS) {
      // Connections that never give the token must not keep out a window that has it: the oldest
      // one still waiting makes room (each is closed after HELLO_TIMEOUT_MS anyway).
      const waiting = [...this.sockets].find((candidate) => !this.greeted.has(candidate));
      if (!waiting) {
        socket.destroy();
        return;
      }
      this.sockets.delete(waiting);
      waiting.destroy();
    }
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.greeted.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    const helloTimer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    helloTimer.unref();
    readLines(socket, MAX_QUESTION_BYTES, (line) => {
      const message = parse(line);
      if (!this.greeted.has(socket)) {
        clearTimeout(helloTimer);
        if (!message || !sameToken(message.token, this.address.token)) {
          socket.destroy();
          return;
        }
        this.greeted.add(socket);
        socket.write('{"ready":true}\n');
        return;
      }
      void this.answer(socket, message);
    });
  }

  /** Answers a history question at once, in the order asked; a request (a Check Now) when it is carried out. */
  private async answer(socket: Socket, message: Record<string, unknown> | undefined): Promise<void> {
    const id = message?.id;
    if (!message || typeof id !== 'number' || !Number.isSafeInteger(id)) {
      socket.destroy();
      return;
    }
    let reply: string;
    try {
      const name = message.method;
      // Checked and rebuilt from the declaration: nothing from the line is passed on as it came.
      const rawArgs = Array.isArray(message.args) ? (message.args as unknown[]) : [];
      let result: unknown;
      if (isHistoryQuestion(name)) result = answerFrom(this.history, name, HISTORY_QUESTIONS[name].checkArguments(rawArgs));
      else if (isWriterRequest(name) && this.requests)
        result = await carryOut(this.requests, name, WRITER_REQUESTS[name].checkArguments(rawArgs));
      else throw new Error(`No such question: ${String(name).slice(0, 40)}.`);
      reply = JSON.stringify({ id, result });
    } catch (error) {
      reply = JSON.stringify({ id, error: (error as Error).message });
    }
    if (socket.destroyed) return;
    if (socket.writableLength > MAX_UNREAD_ANSWER_BYTES) {
      socket.destroy();
      return;
    }
    socket.write(`${reply}\n`);
  }

  private broadcast(line: string): void {
    for (const socket of this.greeted) if (!socket.destroyed) socket.write(line);
  }

  /** Stops answering: closes every connection, and removes the address if it is still this server's. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      for (const listener of this.listeners) listener.dispose();
      for (const socket of this.sockets) socket.destroy();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      if (this.temporaryFolder) await fs.rm(this.temporaryFolder, { recursive: true, force: true }).catch(() => undefined);
      const addressFile = join(this.directory, QUERY_ADDRESS_FILE);
      const current = await readAddress(this.directory);
      if (current?.token === this.address.token) await fs.rm(addressFile, { force: true }).catch(() => undefined);
    })();
    return this.disposing;
  }
}

/**
 * Removes the socket files earlier writers left in the folder (a crash leaves its file). One of a
 * frozen writer that may wake up goes too: nobody reaches it any more, readers follow the address.
 */
async function removeStaleSockets(directory: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch {
    return;
  }
  for (const name of names.filter((candidate) => SOCKET_FILE.test(candidate))) {
    const path = join(directory, name);
    try {
      if ((await fs.lstat(path)).isSocket()) await fs.rm(path, { force: true });
    } catch {
      // Already gone.
    }
  }
}

async function readAddress(directory: string): Promise<QueryAddress | undefined> {
  let raw: string;
  try {
    raw = await fs.readFile(join(directory, QUERY_ADDRESS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const address = parse(raw);
  if (!address || typeof address.socket !== 'string' || typeof address.token !== 'string') return undefined;
  return { socket: address.socket, token: address.token, pid: typeof address.pid === 'number' ? address.pid : 0 };
}

// ---- A reading window's side ---------------------------------------------------------------------

interface PendingQuestion {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface RemoteHistoryOptions {
  /** How long one answer may take (default 15 s; an export gets four times as long). */
  answerTimeoutMs?: number;
}

/** Raised when no window answers for the history (none records it right now, or it is busy). */
export class HistoryUnavailableError extends Error {}

/** A reading window's history: each question is sent to the writer, and `onDidChange` fires when it recorded more. */
export interface RemoteHistory extends HistoryReader, Disposable {
  /** Asks the recording window to do something (`windowRequests.ts`), over the same connection. */
  request<R extends WriterRequest>(name: R, ...args: RequestArguments<R>): Promise<RequestAnswer<R>>;
}

/** The history of `directory`, asked of whichever window records it. */
export function remoteHistory(directory: string, options: RemoteHistoryOptions = {}): RemoteHistory {
  const client = new HistoryQueryClient(directory, options);
  return {
    ...askingThrough((name, args) => client.ask(name, args)),
    onDidChange: client.onDidChange,
    request: (name, ...args) => client.request(name, args),
    dispose: () => client.dispose(),
  };
}

/** The asking end of the socket: connects, sends questions, matches answers, reconnects. */
class HistoryQueryClient implements Disposable {
  private readonly changeEmitter = new Emitter<void>();
  readonly onDidChange: Event<void> = this.changeEmitter.event;

  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private readonly pending = new Map<number, PendingQuestion>();
  private nextId = 1;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** A question failed or the writer went since the last connection: tell the views once it answers. */
  private unanswered = false;
  private disposed = false;
  private readonly answerTimeoutMs: number;

  constructor(
    private readonly directory: string,
    options: RemoteHistoryOptions,
  ) {
    this.answerTimeoutMs = options.answerTimeoutMs ?? 15_000;
  }

  /** Asks the writer one question; arguments of the wrong shape are refused here, before they leave. */
  async ask<Q extends HistoryQuestion>(name: Q, args: QuestionArguments<Q>): Promise<QuestionAnswer<Q>> {
    const declaration = HISTORY_QUESTIONS[name];
    const checked = declaration.checkArguments(args);
    const timeoutMs = declaration.slow ? SLOW_ANSWER_FACTOR * this.answerTimeoutMs : this.answerTimeoutMs;
    // An absent answer (`latest` of an unknown target) comes back as no `result` at all: undefined.
    return (await this.send(name, checked, timeoutMs)) as QuestionAnswer<Q>;
  }

  /** Asks the writer to do something; its arguments are checked here too, and the wait is the request's own. */
  async request<R extends WriterRequest>(name: R, args: RequestArguments<R>): Promise<RequestAnswer<R>> {
    const checked = WRITER_REQUESTS[name].checkArguments(args) as RequestArguments<R>;
    return (await this.send(name, checked, answerWaitMs(name, checked))) as RequestAnswer<R>;
  }

  private async send(method: HistoryQuestion | WriterRequest, args: readonly unknown[], timeoutMs: number): Promise<unknown> {
    const socket = await this.connection();
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        if (this.pending.size === 0) this.socket?.unref();
        reject(new HistoryUnavailableError('The window that records the history did not answer in time.'));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      // Waiting for an answer keeps the process alive; an idle connection does not.
      socket.ref();
      socket.write(`${JSON.stringify({ id, method, args })}\n`);
    });
  }

  private connection(): Promise<Socket> {
    if (this.disposed) return Promise.reject(new HistoryUnavailableError('This window no longer reads the history.'));
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.connect()
      .catch((error: unknown) => {
        // Keep looking in the background, so the views hear when a writer answers again.
        this.unanswered = true;
        this.scheduleReconnect();
        throw error;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  private async connect(): Promise<Socket> {
    const address = await readAddress(this.directory);
    if (!address) throw new HistoryUnavailableError('No window records the history right now.');
    const socket = await new Promise<Socket>((resolve, reject) => {
      const candidate = createConnection(address.socket);
      let ready = false;
      const fail = (error: Error): void => {
        clearTimeout(timer);
        candidate.destroy();
        reject(new HistoryUnavailableError(`The window that records the history does not answer (${error.message}).`));
      };
      const timer = setTimeout(() => fail(new Error('no greeting')), HELLO_TIMEOUT_MS);
      candidate.on('error', (error) => (ready ? candidate.destroy() : fail(error)));
      candidate.on('close', () => (ready ? this.lost(candidate) : fail(new Error('closed'))));
      candidate.once('connect', () => candidate.write(`${JSON.stringify({ token: address.token })}\n`));
      readLines(candidate, MAX_ANSWER_BYTES, (line) => {
        const message = parse(line);
        if (ready) {
          this.receive(message);
          return;
        }
        if (message?.ready !== true) return fail(new Error('refused'));
        clearTimeout(timer);
        ready = true;
        resolve(candidate);
      });
    });
    if (this.disposed) {
      socket.destroy();
      throw new HistoryUnavailableError('This window no longer reads the history.');
    }
    this.socket = socket;
    this.reconnectAttempt = 0;
    socket.unref();
    if (this.unanswered) {
      // A writer answers again (perhaps another one), with checks the views have not shown yet.
      this.unanswered = false;
      queueMicrotask(() => this.changeEmitter.fire());
    }
    return socket;
  }

  private receive(message: Record<string, unknown> | undefined): void {
    if (!message) return;
    if (message.event === 'changed') {
      this.changeEmitter.fire();
      return;
    }
    const question = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!question) return;
    this.pending.delete(message.id as number);
    clearTimeout(question.timer);
    if (this.pending.size === 0) this.socket?.unref();
    if (typeof message.error === 'string') question.reject(new Error(message.error));
    else question.resolve(message.result);
  }

  /** The writer went: fail what waited for it, and find whichever window writes next. */
  private lost(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.unanswered = true;
    for (const [id, question] of this.pending) {
      clearTimeout(question.timer);
      question.reject(new HistoryUnavailableError('The window that records the history closed before answering.'));
      this.pending.delete(id);
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.reconnectAttempt, RECONNECT_DELAYS_MS.length - 1)];
    this.reconnectAttempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.socket || this.disposed) return;
      this.connection().catch(() => this.scheduleReconnect());
    }, delay);
    this.reconnectTimer.unref();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
    this.changeEmitter.dispose();
  }
}
