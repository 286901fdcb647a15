/**
 * The extension's one way down: everything activate() built, disposed once, in the reverse order
 * of building (the monitor flushes the history on its way out), each awaited in turn.
 */
import type * as vscode from 'vscode';

/**
 * Returns the function that disposes `owned` in reverse; calling it again returns the same
 * promise. A failing dispose is logged (unless it is the log's own) and the rest still go.
 */
export function disposeInReverse(owned: readonly { dispose(): unknown }[], log: vscode.LogOutputChannel): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      for (const disposable of [...owned].reverse()) {
        try {
          await disposable.dispose();
        } catch (error) {
          if (disposable !== log) log.error(`Shutting down: ${(error as Error).stack ?? error}`);
        }
      }
    })();
    return stopping;
  };
}
