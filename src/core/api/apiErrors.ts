/** Errors the API answers with, and the one its server raises when it cannot listen. */

/** Machine-readable codes, one per HTTP status the API uses for errors. */
export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden_host'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'conflict'
  | 'payload_too_large'
  | 'unavailable'
  | 'internal_error';

const STATUS_BY_CODE: Readonly<Record<ApiErrorCode, number>> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden_host: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  unavailable: 503,
  internal_error: 500,
};

/** Thrown by a handler to answer with a JSON error: `{ "error": code, "message": sentence }`. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS_BY_CODE[code];
  }
}

/** The port is held by another program (or another window of this extension). */
export class ApiPortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `Port ${port} on 127.0.0.1 is already in use, so the Network Monitor API cannot listen there. Stop the program using it or choose another port.`,
    );
    this.name = 'ApiPortInUseError';
  }
}

/** The port cannot be opened at all (a privileged port, a bad number). */
export class ApiListenError extends Error {
  constructor(
    readonly port: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiListenError';
  }
}
