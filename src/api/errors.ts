// One error shape for every API failure: { "error": { "code", "message", "field"? } }.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string, field?: string) =>
  new ApiError(409, code, message, field);
export const badRequest = (code: string, message: string, field?: string) =>
  new ApiError(400, code, message, field);

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      field: z.string().optional(),
    }),
  })
  .describe('Error');

const fieldFromPath = (path: string): string | undefined =>
  path ? path.replace(/^\//, '').split('/').join('.') : undefined;

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_REQ_FILE_TOO_LARGE: [413, 'payload_too_large'],
  FST_FILES_LIMIT: [413, 'payload_too_large'],
  FST_PARTS_LIMIT: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported_media_type'],
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.status).send({
        error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) },
      });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0];
      const where = err.validationContext ?? 'body';
      const field = fieldFromPath(first?.instancePath ?? '');
      const message = first ? `${field ?? where}: ${first.message}` : 'invalid request';
      return reply.status(400).send({
        error: { code: 'validation_failed', message, ...(field ? { field } : {}) },
      });
    }
    const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (mapped) {
      return reply.status(mapped[0]).send({ error: { code: mapped[1], message: err.message } });
    }
    if (err.statusCode === 429) {
      return reply.status(429).send({ error: { code: 'rate_limited', message: err.message } });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ error: { code: 'bad_request', message: err.message } });
    }
    if (isResponseSerializationError(err))
      req.log.error({ err, url: req.url }, 'response did not match its schema');
    else req.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: 'internal server error' } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route for ${req.method} ${req.url}` } }),
  );
}

/** The first issue of a zod failure as the API's 400, located at its field. */
export function validationFailed(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || undefined;
  return badRequest('validation_failed', `${field ?? 'body'}: ${issue?.message ?? 'invalid'}`, field);
}

/** True when a database error is a unique-constraint violation (optionally of one index). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { code?: string; constraint?: string; message?: string };
    if (x.code === '23505') {
      return !constraint || x.constraint === constraint || !!x.message?.includes(constraint);
    }
  }
  return false;
}
