/**
 * The layer rule as `npm run lint` runs it: a wrong import planted in each layer is an error
 * naming the layer and what it reached, and the imports each layer may make pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: ROOT });

/** The layer rule's messages for `code` as if it were the file at `path` (repository-relative). */
async function layerMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result!.messages.filter((message) => message.ruleId === 'layers/allowed-imports').map((message) => message.message);
}

const planted: [file: string, code: string, message: RegExp][] = [
  [
    'src/core/probes/planted.ts',
    "import * as vscode from 'vscode';\nexport const x = vscode;\n",
    /src\/core runs outside VS Code: it may not import "vscode"/,
  ],
  [
    'src/core/probes/planted.ts',
    "import { CommandId } from '../../vscode/commands/commandIds';\nexport const x = CommandId;\n",
    /src\/core may not import src\/vscode\/commands\/commandIds/,
  ],
  [
    'src/core/api/planted.ts',
    "export { runCheckCommand } from '../../cli/checkCommand';\n",
    /src\/core may not import src\/cli\/checkCommand/,
  ],
  [
    'src/core/store/planted.ts',
    "export async function x() { return import('../../../webview-ui/src/main'); }\n",
    /src\/core may not import webview-ui\/src\/main/,
  ],
  [
    'src/shared/planted.ts',
    "import type { CheckResult } from '../core/probes/checkResult';\nexport type X = CheckResult;\n",
    /src\/shared may not import src\/core\/probes\/checkResult/,
  ],
  [
    'webview-ui/src/planted.ts',
    "import { HttpProbe } from '../../src/core/probes/httpProbe';\nexport const x = HttpProbe;\n",
    /webview-ui may not import src\/core\/probes\/httpProbe/,
  ],
  [
    'src/cli/planted.ts',
    "import { MonitorService } from '../vscode/monitor/monitorService';\nexport const x = MonitorService;\n",
    /src\/cli may not import src\/vscode\/monitor\/monitorService/,
  ],
  ['src/cli.ts', "import { activate } from './extension';\nexport const x = activate;\n", /src\/cli may not import src\/extension/],
];

for (const [file, code, message] of planted) {
  test(`lint refuses ${code.trim().split('\n')[0]} in ${file}`, async () => {
    const messages = await layerMessages(file, code);
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0]!, message);
  });
}

test('lint lets each layer import what it may', async () => {
  const allowed: [string, string][] = [
    [
      'src/core/probes/planted.ts',
      "import { request } from 'undici';\nimport type { GeoLocation } from '../../shared/geoLocation';\nimport { Prober } from './prober';\nexport const x = [request, Prober] as const;\nexport type Y = GeoLocation;\n",
    ],
    ['src/shared/planted.ts', "import type { GeoLocation } from './geoLocation';\nexport type X = GeoLocation;\n"],
    ['webview-ui/src/planted.ts', "import type { ReportRow } from '../../src/shared/dashboardProtocol';\nexport type X = ReportRow;\n"],
    ['src/cli/planted.ts', "import { HttpProbe } from '../core/probes/httpProbe';\nexport const x = HttpProbe;\n"],
    [
      'src/vscode/planted.ts',
      "import * as vscode from 'vscode';\nimport { HttpProbe } from '../core/probes/httpProbe';\nexport const x = [vscode, HttpProbe] as const;\n",
    ],
  ];
  for (const [file, code] of allowed) assert.deepEqual(await layerMessages(file, code), [], file);
});
