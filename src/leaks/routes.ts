// HTTP adapter for leak response: public revocation and the secret-scanning
// partner endpoint. Neither takes a credential.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { callMeta } from '../http/auth.js';
import { StringEnum } from '../http/schemas.js';
import { MAX_REPORTED, reportCredentials, verifyAndRevoke, type ScanReport } from './service.js';
import { isValidScannerSignature } from './signature.js';
import { scannerPattern } from '../tokens/format.js';

const tags = ['Leak response'];
// 1000 tokens of up to ~130 characters, quoted, with room for JSON whitespace.
const REPORT_BODY_LIMIT = 256 * 1024;

const Secret = Type.String({ maxLength: 1024 });

const ScanBody = Type.Array(
  Type.Object(
    {
      token: Secret,
      type: Type.String({ maxLength: 200 }),
      url: Type.Optional(Type.String({ maxLength: 2048 })),
      source: Type.Optional(Type.String({ maxLength: 200 })),
    },
    { additionalProperties: true },
  ),
  { maxItems: MAX_REPORTED },
);

const ScanAnswer = Type.Array(Type.Object({ token_raw: Type.String(), token_type: Type.String(), label: StringEnum(['true_positive', 'false_positive']) }));

export const leakRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/v1/credentials/revoke',
    {
      config: { auth: 'none' },
      bodyLimit: REPORT_BODY_LIMIT,
      // Counted before the body is read, so malformed floods are limited too.
      onRequest: async (request) => {
        const wait = deps.throttles?.publicRevocations.take(request.ip, deps.clock.now().getTime()) ?? 0;
        if (wait > 0) throw new AppError('rate_limited', `Too many reports from this address; try again in ${wait} s`, { headers: { 'Retry-After': String(wait) } });
      },
      schema: {
        operationId: 'revokeCredentials',
        tags,
        summary: 'Report leaked tokens: the real ones are revoked; the answer is the same whatever they were',
        security: [],
        body: Type.Object({ credentials: Type.Array(Secret, { minItems: 1, maxItems: MAX_REPORTED }) }, { additionalProperties: false }),
        response: { 202: Type.Object({}, { additionalProperties: false }) },
      },
    },
    async (request, reply) => {
      await reportCredentials(deps, callMeta(request), request.body.credentials);
      return reply.code(202).send({});
    },
  );

  await app.register(async (signed) => {
    // The signature covers the exact bytes sent, so this route parses JSON itself, after checking it.
    signed.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    signed.post(
      '/v1/secret-scanning/verify-and-revoke',
      {
        config: { auth: 'none' },
        bodyLimit: REPORT_BODY_LIMIT,
        preValidation: async (request) => {
          const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const headers = request.headers;
          if (!isValidScannerSignature(deps.config.secretScanning.publicKeys, headers['github-public-key-identifier'], headers['github-public-key-signature'], raw)) {
            throw new AppError('invalid_signature', 'Sign the raw body with a configured key (Github-Public-Key-Identifier, Github-Public-Key-Signature)');
          }
          try {
            request.body = JSON.parse(raw.toString('utf8')) as ScanReport[];
          } catch {
            throw new AppError('invalid_json', 'The request body is not valid JSON');
          }
        },
        schema: {
          operationId: 'verifyAndRevokeSecrets',
          tags,
          summary: 'Secret-scanning partner endpoint: label reported tokens and revoke the real ones',
          description: `Signed like GitHub's secret-scanning partner program. This deployment's tokens match ${scannerPattern(deps.config.tokenPrefix).source}`,
          security: [],
          headers: Type.Object({ 'github-public-key-identifier': Type.Optional(Type.String()), 'github-public-key-signature': Type.Optional(Type.String()) }),
          body: ScanBody,
          response: { 200: ScanAnswer },
        },
      },
      async (request) => verifyAndRevoke(deps, callMeta(request), request.body as ScanReport[]),
    );
  });
};
