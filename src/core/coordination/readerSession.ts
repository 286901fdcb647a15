/**
 * A window that shows what another window records: it does not open the history, it asks the
 * writer (`historyQueryChannel.ts`), sends its Check Now to the writer on the same connection, and
 * shows the alerts the writer passes on for targets only its own settings define (`windowNotices.ts`).
 */
import type { Disposable } from '../disposable';
import type { CheckNowOutcome } from '../monitorEngine';
import type { MonitorEvent } from '../scheduler/monitorEvent';
import type { StoreStatus } from '../store/historyStore';
import { type RemoteHistory, remoteHistory } from './historyQueryChannel';
import { checkUnrecorded, FORWARDED_EVENTS, type SessionContext, type WindowSession } from './windowSession';
import { eventFromNotice } from './windowNotices';

export class ReaderSession implements WindowSession {
  readonly role = 'reader';
  readonly engine = undefined;
  readonly store = undefined;
  private readonly remote: RemoteHistory;
  private readonly subscriptions: Disposable[] = [];
  /** The last notice from the writer already passed on. */
  private noticesSeq: number;
  private readingNotices: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly context: SessionContext) {
    this.remote = remoteHistory(context.options.directory);
    this.subscriptions.push(this.remote.onDidChange(() => context.announce({ kind: 'historyChanged' })));
    this.noticesSeq = context.now();
  }

  get history(): RemoteHistory {
    return this.remote;
  }

  storeStatus(): StoreStatus | undefined {
    return undefined;
  }

  /** Shows the alerts the writer passes on for this window's targets, from now on. */
  followNotices(): void {
    const board = this.context.board;
    if (!board) return;
    const timer = setInterval(() => void this.readNotices(), this.context.heartbeatMs);
    this.subscriptions.push(
      board.watch(() => void this.readNotices()),
      { dispose: () => clearInterval(timer) },
    );
  }

  private readNotices(): Promise<void> {
    this.readingNotices ??= (async () => {
      const notices = (await this.context.board?.readNotices(this.noticesSeq)) ?? [];
      for (const notice of notices) {
        this.noticesSeq = Math.max(this.noticesSeq, notice.seq);
        if (this.closed || this.context.disposed()) continue;
        const event = notice.payload as Partial<MonitorEvent> | null;
        if (typeof event !== 'object' || event === null || typeof event.type !== 'string' || !FORWARDED_EVENTS.has(event.type)) continue;
        // This window's own target, not the copy the writer built: the views match by object too.
        const target = this.context.ownTargets().find((candidate) => candidate.id === event.target?.id);
        if (!target) continue;
        this.context.announce({ kind: 'event', event: eventFromNotice(event, target) });
      }
    })()
      .catch((error: unknown) =>
        this.context.options.log.warn(`Could not read the alerts the checking window passed on: ${(error as Error).message}`),
      )
      .finally(() => {
        this.readingNotices = undefined;
      });
    return this.readingNotices;
  }

  /** The writer follows this window's published list, which the coordinator keeps up to date. */
  targetsChanged(): void {}

  /**
   * Asks the writer to check one of this window's targets, over the socket the history is read
   * through; checks on its own, unrecorded, only when no writer answers.
   */
  async checkNow(targetId: string): Promise<CheckNowOutcome> {
    const { options, board, heartbeatMs } = this.context;
    const target = this.context.ownTargets().find((candidate) => candidate.id === targetId);
    if (!target) return { kind: 'unknown-target' };
    try {
      // A target added a moment ago must be in this window's published list before the writer looks.
      await board?.publish();
      // The check takes up to its timeout, after the writer has read the published lists.
      const result = await this.remote.request('checkNow', target.id, target.timeoutMs + 2 * heartbeatMs + 2_000);
      if (result) {
        this.context.announce({ kind: 'historyChanged' });
        return { kind: 'checked', result };
      }
      options.log.warn(
        `The window that checks the targets does not check ${target.name}; checking it from this window without recording it.`,
      );
    } catch (error) {
      options.log.warn(
        `The window that checks the targets did not run the check of ${target.name} (${(error as Error).message}); checking it from this window without recording it.`,
      );
    }
    return checkUnrecorded(options, target);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.dispose();
    await this.readingNotices;
    this.remote.dispose();
  }
}
