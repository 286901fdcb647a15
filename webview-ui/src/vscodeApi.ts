/** The one handle on the webview host, typed with the protocol. */
import type { WebviewToHostMessage } from '../../src/shared/dashboardProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface HostConnection {
  post(message: WebviewToHostMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export function connectToHost(): HostConnection {
  // acquireVsCodeApi may be called only once per webview.
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}
