/**
 * Text others wrote never becomes a link in an editor message: each variant of link syntax goes
 * through `neutraliseLinks`, then through VS Code's own notification parsing
 * (test/support/notificationLinks.ts), and no link may come out while every word stays readable.
 * The lint rule that sends every message through editorMessages.ts is checked with planted code.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';
import { DEFAULT_TARGET_DEFAULTS } from '../../../src/core/targets/target';
import { neutraliseLinks } from '../../../src/shared/untrustedText';
import { collectTargets } from '../../../src/vscode/config/targetEntries';
import { linksInNotification } from '../../support/notificationLinks';

/** A CommonMark autolink, or a bare command URI a linkifier might pick up. */
const OTHER_LINK = /<[a-z][a-z0-9+.-]{1,31}:|command:/i;

const HOSTILE_TEXTS = [
  '[x](command:foo)',
  '[x](https://evil)',
  '[Open runbook](command:workbench.action.openSettings)',
  '[x](command:foo "t")',
  "[x](command:foo 't')",
  '[x]( command:foo "t")',
  '[[x]](command:foo)',
  '[a [b](command:foo)',
  '[x](FILE:///etc/passwd)',
  '[x]\n(command:foo)',
  '[x](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22id%5Cn%22%7D)',
  '<command:foo>',
  '<https://evil>',
  '<https://evil|click here>',
  'run command:foo now',
];

describe('neutraliseLinks', () => {
  test('VS Code finds a link in each hostile text as it is (the pattern is the real one)', () => {
    for (const text of ['[x](command:foo)', '[x](https://evil)', '[x](command:foo "t")', '[a [b](command:foo)'])
      assert.equal(linksInNotification(text).length, 1, text);
  });

  test('no hostile text keeps a link, and its words stay', () => {
    for (const text of HOSTILE_TEXTS) {
      const safe = neutraliseLinks(text);
      assert.deepEqual(linksInNotification(safe), [], `${JSON.stringify(text)} became ${JSON.stringify(safe)}`);
      assert.doesNotMatch(safe, OTHER_LINK, JSON.stringify(safe));
      for (const word of text.match(/[A-Za-z]{2,}/g) ?? []) assert.ok(safe.includes(word), `"${word}" is still readable in ${safe}`);
    }
  });

  test('text without link syntax is left as it is', () => {
    const plain = 'Linked API is down: $.status is "fine", expected "ok" (3 failed checks in a row) <token>';
    assert.equal(neutraliseLinks(plain), plain);
  });

  test('an entry problem quoting a hostile name or address from a workspace shows no link', async () => {
    for (const text of HOSTILE_TEXTS) {
      const entries = [`ftp://${text}`, { name: text, url: `http://127.0.0.1:9/${text}`, interval: text }];
      const { problems } = await collectTargets([{ level: 'workspace', entries }], DEFAULT_TARGET_DEFAULTS, async () => undefined);
      assert.equal(problems.length, 2, 'both entries are reported');
      if (linksInNotification(text).length > 0)
        assert.ok(
          problems.some((problem) => linksInNotification(problem.message).length > 0),
          'the problem quotes the text as it was written',
        );
      for (const problem of problems) assert.deepEqual(linksInNotification(neutraliseLinks(problem.message)), [], problem.message);
    }
  });
});

describe('every editor message goes through editorMessages.ts', () => {
  const root = join(__dirname, '..', '..', '..');
  const eslint = new ESLint({ cwd: root });
  const restricted = async (path: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: join(root, path) });
    return result!.messages.filter((message) => message.ruleId === 'no-restricted-syntax').map((message) => message.message);
  };

  test('a direct call to show*Message is refused anywhere in src', async () => {
    for (const call of ['showInformationMessage', 'showWarningMessage', 'showErrorMessage']) {
      const code = `import * as vscode from 'vscode';\nvoid vscode.window.${call}('x');\n`;
      assert.match((await restricted('src/vscode/commands/planted.ts', code)).join('\n'), /editorMessages\.ts/, call);
      assert.match(
        (await restricted('src/extension.ts', `const { window } = require('vscode');\nwindow.${call}('x');\n`)).join('\n'),
        /editorMessages/,
      );
    }
  });

  test('editorMessages.ts itself may call them', async () => {
    const code = `import * as vscode from 'vscode';\nvoid vscode.window.showWarningMessage('x');\n`;
    assert.deepEqual(await restricted('src/vscode/notifications/editorMessages.ts', code), []);
  });
});
