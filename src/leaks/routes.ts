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
  {
    maxItems: MAX_REPORTED,
    examples: [[{ token: 'lk_pat_3fKq9XbT0aLmN2pQrS7uVwXyZ1bC4dE5fG6h2kJt8', type: 'latchkey_token', url: 'https://github.com/acme/app/blob/main/.env', source: 'content' }]],
  },
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
        summary: 'Report leaked tokens so they are revoked',
        description:
          'No credential needed (GitHub’s public revocation). Always `202 {}`, whatever the tokens were, so it reveals nothing; the real tokens that still work are revoked with reason `reported` and their owners told (`token.leaked`). Limited per IP: 429 with `Retry-After`.',
        body: Type.Object(
          { credentials: Type.Array(Secret, { minItems: 1, maxItems: MAX_REPORTED, description: 'Up to 1000 tokens found where they should not be' }) },
          { additionalProperties: false, examples: [{ credentials: ['lk_pat_3fKq9XbT0aLmN2pQrS7uVwXyZ1bC4dE5fG6h2kJt8'] }] },
        ),
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
          summary: 'Secret-scanning partner endpoint: label and revoke found tokens',
          description: `Signed like GitHub's secret-scanning partner program: ECDSA P-256 / SHA-256 over the raw body, checked against \`secretScanning.publicKeys\` in the config; a missing or bad signature is a 401 and changes nothing. Tokens Latchkey issued are \`true_positive\`; those that still work are revoked with reason \`leaked\` (\`token.leaked\` with the url and source). This deployment's tokens match ${scannerPattern(deps.config.tokenPrefix).source}`,
          headers: Type.Object({
            'github-public-key-identifier': Type.Optional(Type.String({ description: 'Which configured key signed the body' })),
            'github-public-key-signature': Type.Optional(Type.String({ description: 'Base64 DER ECDSA signature of the raw body' })),
          }),
          body: ScanBody,
          response: { 200: ScanAnswer },
        },
      },
      async (request) => verifyAndRevoke(deps, callMeta(request), request.body as ScanReport[]),
    );
  });
};
