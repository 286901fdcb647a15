/**
 * The links VS Code draws in a notification: its newline rule (src/vs/workbench/common/notifications.ts)
 * and its link pattern (LINK_REGEX in src/vs/base/common/linkedText.ts), copied as they are.
 */

/** VS Code's LINK_REGEX: `[label](https://…|command:…|file:… "title")`. */
const VSCODE_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;

/** The targets of the links a notification whose message is `message` would show. */
export function linksInNotification(message: string): string[] {
  const shown = message.replace(/(\r\n|\n|\r)/gm, ' ').trim();
  return [...shown.matchAll(VSCODE_LINK)].map((match) => match[2]!);
}
