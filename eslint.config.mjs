import tseslint from 'typescript-eslint';
import { layersPlugin } from './scripts/eslintLayers.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-host/**', '.vscode-test/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true } }],
    },
  },
  {
    // The layers: src/core and src/shared run outside VS Code (CLI, tests, the webview), the
    // webview imports only the shared protocol, and the CLI never the editor's side.
    files: ['src/**/*.ts', 'webview-ui/**/*.ts'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/allowed-imports': 'error' },
  },
  {
    // Messages quote what servers, workspaces and import files say, and VS Code runs the
    // `[label](command:…)` links in them: every message goes through editorMessages.ts, which
    // breaks those links.
    files: ['src/**/*.ts'],
    ignores: ['src/vscode/notifications/editorMessages.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^show(Information|Warning|Error)Message$/]',
          message:
            'Show messages through showMessage or askModal (src/vscode/notifications/editorMessages.ts), which break links in untrusted text.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-restricted-exports': 'off' },
  },
);
