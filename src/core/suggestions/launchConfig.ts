/**
 * `.vscode/launch.json` (JSON with comments): the addresses a debug configuration opens or serves.
 *
 * - Every string field of a configuration that is an `http(s)://` address (a browser
 *   configuration's `url`, a custom field) is a suggestion, unless it holds a `${…}` variable the
 *   editor fills in at launch or its field's name says it is a credential.
 * - `serverReadyAction.uriFormat` (default `http://localhost:%s`) is a suggestion when its port is
 *   known before launch: written in the format itself, or as `env.PORT` of the configuration. The
 *   port the program prints at run time is not known here.
 */
import { type Node, parseTree } from 'jsonc-parser';
import { labelText, looksLikeCredentialName, MAX_SUGGESTIONS_PER_FILE, suggestableUrlKey, type SuggestedTarget } from './suggestedTarget';

const MAX_DEPTH = 6;

export function launchConfigSuggestions(file: string, text: string): SuggestedTarget[] {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const configurations = root && childOf(root, 'configurations');
  if (!configurations || configurations.type !== 'array') return [];
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);
  const lineAt = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  const suggestions: SuggestedTarget[] = [];
  const add = (configName: string, url: string, offset: number): void => {
    if (suggestions.length >= MAX_SUGGESTIONS_PER_FILE) return;
    const key = suggestableUrlKey(url);
    if (key === undefined || !key.startsWith('http')) return;
    suggestions.push({
      file,
      line: lineAt(offset),
      kind: 'launch',
      label: labelText(`${configName}: ${key}`),
      entry: { url: key, name: labelText(configName) },
      key,
      secrets: [],
    });
  };
  for (const configuration of configurations.children ?? []) {
    if (configuration.type !== 'object') continue;
    const nameNode = childOf(configuration, 'name');
    const configName = typeof nameNode?.value === 'string' ? nameNode.value : 'launch';
    const ready = childOf(configuration, 'serverReadyAction');
    if (ready?.type === 'object') {
      const format = childOf(ready, 'uriFormat');
      const uriFormat = typeof format?.value === 'string' ? format.value : 'http://localhost:%s';
      const portNode = childOf(childOf(configuration, 'env'), 'PORT');
      const port = typeof portNode?.value === 'string' || typeof portNode?.value === 'number' ? String(portNode.value) : undefined;
      const url = uriFormat.includes('%s') ? (port && /^\d{1,5}$/.test(port) ? uriFormat.replace('%s', port) : undefined) : uriFormat;
      if (url) add(configName, url, (format ?? ready).offset);
    }
    walkStrings(configuration, 0, (field, node) => {
      if (field === 'uriFormat' || looksLikeCredentialName(field)) return;
      const value = node.value as string;
      if (/^https?:\/\//i.test(value) && !value.includes('${')) add(configName, value, node.offset);
    });
  }
  return suggestions;
}

/** The value node of `key` in an object node. */
function childOf(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  const property = node.children?.find((child) => child.children?.[0]?.value === key);
  return property?.children?.[1];
}

/** Calls `visit` with every string value under `node` and the name of the field holding it. */
function walkStrings(node: Node, depth: number, visit: (field: string, node: Node) => void, field = ''): void {
  if (depth > MAX_DEPTH) return;
  if (node.type === 'string') visit(field, node);
  else if (node.type === 'object')
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (keyNode && valueNode) walkStrings(valueNode, depth + 1, visit, String(keyNode.value));
    }
  else if (node.type === 'array') for (const child of node.children ?? []) walkStrings(child, depth + 1, visit, field);
}
