/**
 * The editor's proxy as VS Code reads it: the user's http.* values only, the environment when
 * http.proxy is empty, and stored credentials only for the proxy origin they were stored for.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applicationValue,
  editorProxySettings,
  parseProxyCredentials,
  proxyCredentialsKey,
  proxyOrigins,
  serializeProxyCredentials,
  setByWorkspace,
  type EditorProxyValues,
  type StoredProxyCredentials,
} from '../../../src/vscode/config/proxyEntries';

const VALUES: EditorProxyValues = {
  proxy: 'http://proxy.corp:3128',
  strictSSL: true,
  noProxy: ['localhost', '.internal, 10.0.0.0/8'],
  support: 'override',
};
const STORED: StoredProxyCredentials = { origin: 'http://proxy.corp:3128', username: 'me', password: 'pw' };
const none = (): undefined => undefined;

describe("the editor's proxy settings", () => {
  test('a workspace value of an application setting is never read', () => {
    assert.equal(
      applicationValue({ defaultValue: '', workspaceValue: 'http://evil:1', workspaceFolderValue: 'http://evil:2' }, 'fallback'),
      '',
    );
    assert.equal(
      applicationValue({ defaultValue: '', globalValue: 'http://mine:1', workspaceValue: 'http://evil:1' }, ''),
      'http://mine:1',
    );
    assert.equal(applicationValue(undefined, true), true);
    assert.equal(setByWorkspace({ globalValue: 'x' }), false);
    assert.equal(setByWorkspace({ workspaceFolderValue: 'x' }), true);
  });

  test('http.proxy serves both schemes, with http.noProxy split into rules', () => {
    const { settings, problems } = editorProxySettings(VALUES, { HTTPS_PROXY: 'http://env:1' }, none);
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      http: { url: 'http://proxy.corp:3128' },
      https: { url: 'http://proxy.corp:3128' },
      strictSSL: true,
      noProxy: ['localhost', '.internal', '10.0.0.0/8'],
    });
  });

  test('with http.proxy empty the environment applies, and both noProxy lists count', () => {
    const { settings } = editorProxySettings(
      { ...VALUES, proxy: '', strictSSL: false },
      { HTTPS_PROXY: 'http://env:1', NO_PROXY: 'corp.example' },
      none,
    );
    assert.equal(settings.http, undefined);
    assert.equal(settings.https?.url, 'http://env:1');
    assert.equal(settings.strictSSL, false);
    assert.deepEqual(settings.noProxy, ['localhost', '.internal', '10.0.0.0/8', 'corp.example']);
  });

  test('http.proxySupport off means no proxy, whatever else is set', () => {
    const { settings } = editorProxySettings({ ...VALUES, support: 'off' }, { HTTPS_PROXY: 'http://env:1' }, () => STORED);
    assert.equal(settings.http, undefined);
    assert.equal(settings.https, undefined);
  });

  test('an unusable http.proxy is reported and the checks go direct', () => {
    const { settings, problems } = editorProxySettings({ ...VALUES, proxy: 'socks5://proxy:1080' }, {}, none);
    assert.equal(settings.https, undefined);
    assert.match(problems[0]!, /^http\.proxy: .*socks5/);
  });
});

describe('proxy credentials', () => {
  test('stored ones are used for the origin they were stored for', () => {
    const { settings } = editorProxySettings(VALUES, {}, (origin) => (origin === STORED.origin ? STORED : undefined));
    assert.deepEqual(settings.https?.credentials, { username: 'me', password: 'pw' });
    assert.deepEqual(settings.http?.credentials, { username: 'me', password: 'pw' });
  });

  test('never for another proxy, even when a lookup hands them out', () => {
    const { settings } = editorProxySettings({ ...VALUES, proxy: 'http://other.proxy:3128' }, {}, () => STORED);
    assert.equal(settings.https?.credentials, undefined);
    const samehostOtherPort = editorProxySettings({ ...VALUES, proxy: 'http://proxy.corp:8080' }, {}, () => STORED);
    assert.equal(samehostOtherPort.settings.https?.credentials, undefined);
  });

  test("the URL's own credentials win over stored ones", () => {
    const { settings } = editorProxySettings({ ...VALUES, proxy: 'http://url:secret@proxy.corp:3128' }, {}, () => STORED);
    assert.deepEqual(settings.https, { url: 'http://proxy.corp:3128', credentials: { username: 'url', password: 'secret' } });
  });

  test("http.proxyAuthorization goes to the proxy in http.proxy, after the URL's own credentials and before stored ones", () => {
    const withHeader = editorProxySettings({ ...VALUES, authorization: 'Negotiate abc' }, {}, () => STORED).settings;
    assert.deepEqual(withHeader.https, { url: 'http://proxy.corp:3128', authorization: 'Negotiate abc' });
    const withUrlCredentials = editorProxySettings(
      { ...VALUES, proxy: 'http://u:p@proxy.corp:3128', authorization: 'Negotiate abc' },
      {},
      none,
    ).settings;
    assert.deepEqual(withUrlCredentials.https?.credentials, { username: 'u', password: 'p' });
    assert.equal(withUrlCredentials.https?.authorization, undefined);
    const fromEnvironment = editorProxySettings(
      { ...VALUES, proxy: '', authorization: 'Negotiate abc' },
      { HTTPS_PROXY: 'http://env:1' },
      none,
    ).settings;
    assert.equal(fromEnvironment.https?.authorization, undefined, 'not for a proxy the setting was not written for');
    const injected = editorProxySettings({ ...VALUES, authorization: 'Basic x\r\nX-Evil: 1' }, {}, none);
    assert.equal(injected.settings.https?.authorization, undefined);
    assert.match(injected.problems[0]!, /line break/);
  });

  test('are kept per origin, and a damaged entry reads as none', () => {
    assert.notEqual(proxyCredentialsKey('http://a:1'), proxyCredentialsKey('http://a:2'));
    assert.deepEqual(parseProxyCredentials(serializeProxyCredentials(STORED)), STORED);
    assert.equal(parseProxyCredentials('{"origin":"http://a:1","username":"x"}'), undefined);
    assert.equal(parseProxyCredentials('not json'), undefined);
    assert.equal(parseProxyCredentials(undefined), undefined);
  });

  test('the origins to read credentials for are those the checks go to', () => {
    assert.deepEqual(proxyOrigins(VALUES, {}), ['http://proxy.corp:3128']);
    assert.deepEqual(proxyOrigins({ ...VALUES, proxy: '' }, { HTTP_PROXY: 'http://a:1', HTTPS_PROXY: 'http://b:2' }), [
      'http://a:1',
      'http://b:2',
    ]);
    assert.deepEqual(proxyOrigins({ ...VALUES, proxy: '' }, {}), []);
  });
});
