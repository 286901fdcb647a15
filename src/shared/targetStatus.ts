/**
 * The words for how a target is doing, one type each for the scheduler, the history, the views,
 * the local API and the dashboard page. Types only: the webview bundles no engine code.
 */

/** What one counted check found. */
export type CheckStatus = 'UP' | 'DEGRADED' | 'DOWN';

/**
 * A target's monitoring status: its last counted check's, or `UNKNOWN` (never checked since it
 * was added) or `PAUSED` (not being checked, by the user's choice).
 */
export type TargetStatus = 'UNKNOWN' | CheckStatus | 'PAUSED';
