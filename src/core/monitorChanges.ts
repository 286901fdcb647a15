/**
 * Everything the views of one window hear about its monitoring, as one stream fired once per
 * change. The window's sessions (`core/coordination`) fire what the engine checked and recorded,
 * what the writer passed on and which role the window took; the window's monitor service fires
 * what it read from the history. Each view listens to the kinds it shows (`changesOf`), so no
 * layer re-fires another's event.
 */
import type { Event } from './events';
import type { RecordedCheck } from './monitorEngine';
import type { MonitorEvent } from './scheduler/monitorEvent';

export type WindowRole = 'starting' | 'writer' | 'reader' | 'stopped';

export type MonitorChange =
  /** The engine's event for one of this window's targets (writer), or an alert the writer passed on (reader). */
  | { kind: 'event'; event: MonitorEvent }
  /** A check of one of this window's targets this window recorded, scored and located. */
  | { kind: 'recorded'; recorded: RecordedCheck }
  /** The history is another one now (a role taken, the store reopened): fired before the writer's first checks. */
  | { kind: 'historyOpened' }
  /** A reading window's history shows newer checks (the writer recorded them). */
  | { kind: 'historyChanged' }
  /** The window's role changed. */
  | { kind: 'roleChanged'; role: WindowRole }
  /** A role was taken, or taken again with a new history: the views rebuild. */
  | { kind: 'roleTaken'; role: WindowRole }
  /** What the views show of one target changed for another reason (a newer check read from the history, an unrecorded check). */
  | { kind: 'targetShown'; targetId: string }
  /** The list of targets changed (the settings, or a role taken). */
  | { kind: 'targetsListed' };

/** The changes one `pick` selects, as an event of their own: `pick` returns `[value]` to pass one on. */
export function changesOf<T>(changes: Event<MonitorChange>, pick: (change: MonitorChange) => [T] | undefined): Event<T> {
  return (listener) =>
    changes((change) => {
      const picked = pick(change);
      if (picked) listener(picked[0]);
    });
}
