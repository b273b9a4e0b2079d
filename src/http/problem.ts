// RFC 9457 problem+json for every error: thrown AppErrors, schema validation,
// body parsing, unknown routes, and malformed HTTP that never reaches a route.
// Details are built from codes, never from the request, so no secret a client
// sent can be echoed back or logged.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { AppError, errorCatalogue, isAppError, type ErrorCode, type FieldError } from '../errors.js';
import { newId } from '../random.js';

export const PROBLEM_TYPE_BASE = '/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
}

export function problemBody(code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): ProblemBody {
  const entry = errorCatalogue[code];
  return {
    type: PROBLEM_TYPE_BASE + code,
    title: entry.title,
    status: entry.status,
    detail,
    code,
    requestId,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  // The access-log line (access-log.ts) carries the code.
  reply.request.problemCode = error.code;
  if (error.headers) reply.headers(error.headers);
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(problemBody(error.code, error.message, String(reply.request.id), error.errors));
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldErrors(errors: AjvError[], context: string | undefined): FieldError[] {
  return errors.map((e) => {
    let field = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'required') field = [field, String(e.params.missingProperty)].filter(Boolean).join('.');
    if (e.keyword === 'additionalProperty' || e.keyword === 'additionalProperties') {
      field = [field, String(e.params.additionalProperty)].filter(Boolean).join('.');
      return { field, message: 'unknown field' };
    }
    return { field: field || (context ?? 'body'), message: e.message ?? e.keyword };
  });
}

/** Maps anything thrown during a request to an AppError. */
export function toAppError(error: FastifyError | AppError | Error): AppError {
  if (isAppError(error)) return error;
  const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fe.validation) {
    const errors = fieldErrors(fe.validation, fe.validationContext);
    const where = fe.validationContext ?? 'request';
    return new AppError('validation_failed', `The ${where} is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, { errors });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_json', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is larger than this server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('unsupported_media_type', 'Send JSON with Content-Type: application/json');
  }
  if (error instanceof SyntaxError || fe.statusCode === 400) return new AppError('invalid_json', 'The request body is not valid JSON');
  if (fe.statusCode === 413) return new AppError('payload_too_large', 'The request body is larger than this server accepts');
  if (fe.statusCode === 415) return new AppError('unsupported_media_type', 'Send JSON with Content-Type: application/json');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError('bad_request', 'The request could not be processed');
  }
  return new AppError('internal_error', 'Something went wrong on our side; the request id helps us find it');
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  // The access-log line carries the code; a server error also gets its stack here.
  if (appError.status >= 500) request.log.error({ err: error, code: appError.code }, 'request failed');
  return sendProblem(reply, appError);
}

/** Anything shaped like a token (`lk_pat_3fKq…`) cut to its display prefix: clients do put tokens in URLs. */
export function redactTokens(text: string): string {
  return text.replace(/([a-z][a-z0-9]{0,15}_(?:pat|sat|inv)_[0-9A-Za-z]{4})[0-9A-Za-z]+/g, '$1…');
}

/**
 * Errors Fastify raises before routing (a path parameter longer than it routes,
 * a malformed percent-escape), which skip the hooks: problem+json like the rest.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('X-Request-Id', String(request.id));
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('uri_too_long', 'A path segment is longer than any id this API uses')
      : new AppError('bad_request', 'The request URL is not valid (malformed percent-encoding)');
  return sendProblem(reply, appError);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(reply, new AppError('route_not_found', `No route ${request.method} ${redactTokens(request.url.split('?')[0] ?? '')}`));
}

/** HTTP that Node's parser rejects (control characters in headers, bad framing) still gets problem+json. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  // A real id, like every other request's: a clock-based one repeats within a millisecond.
  const requestId = newId('req');
  const large = error.code === 'HPE_HEADER_OVERFLOW';
  const problem = large
    ? problemBody('headers_too_large', 'The request headers are too large', requestId)
    : problemBody('bad_request', 'The request is not valid HTTP (malformed request line or headers)', requestId);
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.title}\r\n` +
      `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}
