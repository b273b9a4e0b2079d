// The CLI talks to a Latchkey server only through @latchkey/sdk (SPEC §7.5):
// this module re-exports what the commands use, plus the one flow the SDK leaves
// to its caller — a password sign-in that mints the CLI its own token.
import { Latchkey, LatchkeyError, type MintedToken } from '@latchkey/sdk';

export { Latchkey, LatchkeyError };
export type { AuditEvent, Me, Member, MintedToken, ServiceAccount, Team, Token } from '@latchkey/sdk';

export type ExpiresIn = '7d' | '30d' | '60d' | '90d' | '1y';
/** How a mint says when the token expires: a preset, a time, or null for never. */
export interface ExpiryFields {
  expiresIn?: ExpiresIn | null;
  expiresAt?: string | null;
}

/** A client for `url` with `token`, as every client command makes it. */
export function connect(url: string, token: string): Latchkey {
  return new Latchkey({ baseUrl: url, token, timeoutMs: 30_000 });
}

/**
 * Email + password → a personal token named `tokenName`, for `latchkey login`:
 * a session is opened only to mint the token, then closed. The name is unique
 * per person among live tokens, so a second login from the same machine gets "(2)".
 */
export async function mintWithPassword(url: string, input: { email: string; password: string; tokenName: string }): Promise<MintedToken> {
  const lk = new Latchkey({ baseUrl: url, timeoutMs: 30_000 });
  await lk.auth.login({ email: input.email, password: input.password });
  try {
    for (let n = 1; ; n++) {
      try {
        return await lk.apiTokens.create({ name: n === 1 ? input.tokenName : `${input.tokenName} (${n})` });
      } catch (error) {
        if (!(error instanceof LatchkeyError && error.code === 'name_taken' && n < 20)) throw error;
      }
    }
  } finally {
    await lk.auth.logout().catch(() => undefined);
  }
}
