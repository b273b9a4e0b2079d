// @latchkey/sdk: the typed client for Latchkey's HTTP API and the in-process
// token verifier. Middleware lives in '@latchkey/sdk/fastify' and '@latchkey/sdk/express'.
export { Latchkey, type LatchkeyOptions } from './client.js';
export { LatchkeyError, isLatchkeyError, type FieldError } from './errors.js';
export { List, type Page, type PageQuery } from './pagination.js';
export type { FetchLike } from './transport.js';
export { Verifier, type VerifierOptions, type VerifierStats } from './verifier.js';
export { VerifyCache, type VerifyCacheOptions, type VerifyCacheStats } from './verify-cache.js';
export type { InvalidateEvent } from './events.js';
export type * from './types.js';
export type { paths, components } from './generated/openapi.js';
