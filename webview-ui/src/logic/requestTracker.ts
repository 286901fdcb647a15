/**
 * Request ids for the webview's questions to the host. Only the latest request of each kind
 * counts: when the user switches range twice quickly, the slower first answer must not overwrite
 * the second.
 */
export type RequestKind = 'series' | 'report';

export class RequestTracker {
  private nextId = 1;
  private readonly latest = new Map<RequestKind, number>();

  issue(kind: RequestKind): number {
    const id = this.nextId++;
    this.latest.set(kind, id);
    return id;
  }

  /** True if `requestId` is the latest of its kind; it is then settled and later replies to it are ignored. */
  settle(kind: RequestKind, requestId: number): boolean {
    if (this.latest.get(kind) !== requestId) return false;
    this.latest.delete(kind);
    return true;
  }

  isPending(kind: RequestKind): boolean {
    return this.latest.has(kind);
  }

  /** The kind of a pending request, for matching an `error` reply. */
  kindOf(requestId: number): RequestKind | undefined {
    for (const [kind, id] of this.latest) if (id === requestId) return kind;
    return undefined;
  }
}
