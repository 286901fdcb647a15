/**
 * Arguments that make a command change secrets, alert channels, settings or files without asking
 * are taken only from Network Monitor's own code.
 *
 * Anyone can run a command with arguments: a `command:` link in any Markdown the editor renders
 * with commands allowed, a keybinding, a launch configuration's input. Such a caller passes JSON,
 * and JSON cannot make the one thing checked here: an object this extension registered itself.
 * A confirmation dialog was the other choice; it was not taken because its text would describe
 * what a stranger chose (a channel address, a file path) to a user who has just clicked a link
 * and expects something to happen, while no feature of ours passes these arguments: they exist for
 * our own code and the end-to-end suites, which mint them through the test API (an installed
 * extension has no test API). Without arguments every command asks the user as usual.
 */
import * as vscode from 'vscode';
import type { CommandId } from './commandIds';

const ours = new WeakSet<object>();

/** Marks `args` as made by Network Monitor's own code, so a command acts on them without asking. */
export function ownArguments<T extends object>(args: T): T {
  ours.add(args);
  return args;
}

/** True for an argument object that `ownArguments` made. */
export function isOwnArgument(argument: unknown): argument is object {
  return typeof argument === 'object' && argument !== null && ours.has(argument);
}

/**
 * The arguments of `command` when they are absent or our own; any other value is refused with a
 * message that says how to run the command instead.
 */
export function ownArgumentsOrRefuse<T>(command: CommandId, argument: T | undefined): T | undefined {
  if (argument === undefined || isOwnArgument(argument)) return argument;
  throw new Error(
    vscode.l10n.t(
      'The command {0} was run with arguments that did not come from Network Monitor, which could change secrets, alert channels, settings or files without asking: it did nothing. Run it from the Command Palette instead.',
      command,
    ),
  );
}
