/**
 * An eslint rule that keeps the layers apart by where an import lands, not by how its path is
 * spelt: every relative import is resolved against the importing file, and the folder it reaches
 * is checked against what that layer may use.
 *
 * - src/core       the engine: no vscode, nothing of src/vscode, src/cli, the entry files or webview-ui
 * - src/shared     what the host and the webview both import: nothing of ours outside src/shared
 * - webview-ui     the dashboard: only itself and src/shared
 * - src/cli        console code: never src/vscode (nor vscode)
 *
 * Bare package names pass (they are dependencies, checked by the package manager) except
 * `vscode`, which only the editor's side may import.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Repository-relative folder prefixes, with `/` separators. */
const LAYERS = [
  { name: 'src/core', may: ['src/core/', 'src/shared/', 'package.json'], vscode: false },
  { name: 'src/shared', may: ['src/shared/'], vscode: false },
  { name: 'webview-ui', may: ['webview-ui/', 'src/shared/'], vscode: false },
  { name: 'src/cli', may: ['src/cli/', 'src/core/', 'src/shared/', 'package.json'], vscode: false },
];

function repoPath(absolute) {
  return relative(ROOT, absolute).split(sep).join('/');
}

function layerOf(file) {
  const path = file === `${ROOT}${sep}src${sep}cli.ts` ? 'src/cli/cli.ts' : repoPath(file);
  return LAYERS.find((layer) => path.startsWith(`${layer.name}/`));
}

const layerRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each layer imports only what it may (the Layout section of the README).' },
    schema: [],
    messages: {
      vscode: '{{layer}} runs outside VS Code: it may not import "vscode".',
      crossing: '{{layer}} may not import {{target}}: it may use only {{allowed}}.',
    },
  },
  create(context) {
    const layer = layerOf(context.filename);
    if (!layer) return {};
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (source === 'vscode' || source.startsWith('vscode/')) {
        if (!layer.vscode) context.report({ node, messageId: 'vscode', data: { layer: layer.name } });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = repoPath(resolve(dirname(context.filename), source));
      const allowed = layer.may.some((prefix) => (prefix.endsWith('/') ? `${target}/`.startsWith(prefix) : target === prefix));
      if (!allowed) context.report({ node, messageId: 'crossing', data: { layer: layer.name, target, allowed: layer.may.join(', ') } });
    };
    const fromSource = (node) => check(node.source ?? node, node.source?.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: (node) => node.source && fromSource(node),
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportType: (node) => check(node, node.argument?.literal?.value ?? node.argument?.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal')
          check(node, node.arguments[0].value);
      },
    };
  },
};

export const layersPlugin = { rules: { 'allowed-imports': layerRule } };
