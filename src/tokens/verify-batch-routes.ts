// HTTP adapter for POST /v1/verify/batch: up to 100 verifications in one request,
// answered in order, each as POST /v1/verify would answer it alone.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { VerifyBody, VerifyResponse } from './routes.js';
import { MAX_BATCH, verifyTokens } from './verify.js';

const BatchBody = Type.Object(
  { requests: Type.Array(VerifyBody, { minItems: 1, maxItems: MAX_BATCH, description: `Up to ${MAX_BATCH} verifications, each shaped like POST /v1/verify's body` }) },
  {
    additionalProperties: false,
    examples: [{ requests: [{ token: 'lk_pat_3fKq9XbT0aLmN2pQrS7uVwXyZ1bC4dE5fG6h2kJt8', scope: 'issues:read' }, { token: 'lk_sat_9pQrS7uVwXyZ1bC4dE5fG6h2kJt83fKq9XbT0aLm', scope: 'issues:write' }] }],
  },
);

const BatchResponse = Type.Object({
  results: Type.Array(VerifyResponse, { description: 'One result per request, in the same order' }),
});

export const verifyBatchRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/v1/verify/batch',
    {
      schema: {
        operationId: 'verifyTokens',
        tags: ['Verification'],
        summary: 'Verify up to 100 tokens in one request',
        [REQUIRED_SCOPE]: 'tokens:verify',
        description:
          'For gateways that check many tokens per hop. Each result is exactly what POST /v1/verify answers for that item alone (same codes, same recorded use); the caller needs tokens:verify.',
        body: BatchBody,
        response: { 200: BatchResponse },
      },
    },
    async (request) => ({ results: await verifyTokens(deps, ctxOf(request), request.body.requests) }),
  );
};
