// What `latchkey plan` and `latchkey apply` do (registered in commands/iac.ts,
// loaded only when run): plan shows +, ~, -/+, - and Terraform's summary line;
// apply asks (or needs --auto-approve) and makes it so, step by step.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { CliError, type Context } from '../command.js';
import { writeFileAtomic } from '../credentials.js';
import { formatError } from '../output.js';
import { applyChange, readState } from './apply.js';
import { FileProblems, loadFile } from './load.js';
import { plan, summary, type Change } from './plan.js';

async function prepare(ctx: Context, o: Record<string, unknown>) {
  const file = String(o.file);
  if (!existsSync(file)) throw new CliError(`${file}: no such file`);
  const loaded = loadFile(file);
  const lk = ctx.client();
  const { state, selfTokenId, memberIds } = await readState(lk, loaded);
  const changes = plan(loaded.spec, state, { prune: o.prune === true, selfTokenId });
  const ids = new Map<string, string>();
  for (const sa of state.serviceAccounts) ids.set(`serviceAccounts/${sa.name}`, sa.id);
  for (const team of state.teams) ids.set(`teams/${team.name}`, team.id);
  return { lk, changes, ids, memberIds };
}

function colourFor(ctx: Context, change: Change): (text: string) => string {
  const c = ctx.out.color;
  return change.op === '+' ? c.green : change.op === '~' ? c.yellow : change.op === '-' ? c.red : c.magenta;
}

const KIND: Record<Change['type'], string> = { policy: 'org policy', serviceAccount: 'service account', team: 'team', teamMember: 'team member', token: 'token' };

function printPlan(ctx: Context, changes: Change[]): void {
  if (changes.length === 0) {
    ctx.out.line(`${ctx.out.color.green('No changes.')} The org matches the file.`);
    return;
  }
  const width = Math.max(...changes.map((c) => c.address.length));
  for (const change of changes) {
    const why = 'why' in change && change.why ? ` (${change.why})` : '';
    ctx.out.line(`${colourFor(ctx, change)(change.op.padStart(3))} ${change.address.padEnd(width)}  ${ctx.out.color.dim(KIND[change.type])}${why}`);
  }
  const { add, change, destroy } = summary(changes);
  ctx.out.line('');
  ctx.out.line(`${ctx.out.color.bold('Plan:')} ${add} to add, ${change} to change, ${destroy} to destroy.`);
}

/** File problems go to stderr one per line (file:line:col: path: message), exit 1. */
function reportProblems(ctx: Context, error: unknown): number {
  if (error instanceof FileProblems) {
    for (const line of error.message.split('\n')) ctx.out.stderr.write(`${ctx.out.color.red('error:')} ${line}\n`);
    ctx.out.note(`${error.problems.length} problem(s) in ${error.file}; nothing was changed.`);
    return 1;
  }
  throw error;
}

/** After a failure: exactly what was applied and what was not, and how to finish. */
function reportPartial(ctx: Context, changes: Change[], failed: number): void {
  const { color } = ctx.out;
  ctx.out.line('');
  ctx.out.line(color.bold(`Apply stopped: ${failed} of ${changes.length} change(s) applied.`));
  if (failed > 0) {
    ctx.out.line('Applied:');
    for (const change of changes.slice(0, failed)) ctx.out.line(`  ${color.green('✓')} ${change.op} ${change.address}`);
  }
  ctx.out.line('Not applied:');
  changes.slice(failed).forEach((change, i) => ctx.out.line(`  ${color.red('✗')} ${change.op} ${change.address}${i === 0 ? ' (failed)' : ''}`));
  ctx.out.line(`Run \`latchkey apply\` again to finish: it plans from what the server holds now.`);
}

function printSecrets(ctx: Context, secrets: { key: string; token: string }[], secretsOut: string | undefined): void {
  if (secrets.length === 0) return;
  ctx.out.line('');
  if (secretsOut) {
    ctx.out.line(`${secrets.length} new secret(s) written to ${secretsOut} (mode 0600).`);
    return;
  }
  ctx.out.line(ctx.out.color.bold('New secrets (shown once; stored only as hashes):'));
  const width = Math.max(...secrets.map((s) => s.key.length));
  for (const s of secrets) ctx.out.line(`  ${s.key.padEnd(width)}  ${s.token}`);
}

/** Adds one secret to the JSON file, keeping the others (a second apply that finishes a first one adds to it). */
function saveSecrets(file: string, key: string, token: string): void {
  const current = readSecrets(file);
  current[key] = token;
  writeFileAtomic(file, JSON.stringify(current, null, 2) + '\n', 0o600);
}


function readSecrets(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) throw new CliError(`${file} is readable by others; fix it with chmod 600 ${file}`);
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, string>;
  } catch {
    // Reported below.
  }
  throw new CliError(`${file} exists and is not a JSON object of secrets; move it away or pick another --secrets-out`);
}

export async function planCommand(ctx: Context, o: Record<string, unknown>): Promise<number> {
  let changes: Change[];
  try {
    ({ changes } = await prepare(ctx, o));
  } catch (error) {
    return reportProblems(ctx, error);
  }
  if (ctx.json) ctx.out.json({ changes: changes.map(({ op, type, address, ...rest }) => ({ op, type, address, ...('why' in rest ? { why: rest.why } : {}) })), summary: summary(changes) });
  else printPlan(ctx, changes);
  return o.detailedExitcode && changes.length > 0 ? 2 : 0;
}

export async function applyCommand(ctx: Context, o: Record<string, unknown>): Promise<number> {
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(ctx, o);
  } catch (error) {
    return reportProblems(ctx, error);
  }
  const { lk, changes, ids, memberIds } = prepared;
  printPlan(ctx, changes);
  if (changes.length === 0) return 0;
  if (!o.autoApprove) {
    if (!ctx.prompt.isInteractive) ctx.usage('apply: not on a terminal, so pass --auto-approve to apply without asking');
    ctx.out.line('');
    const answer = await ctx.prompt.ask(`Apply these changes to the org? Only "yes" is accepted: `);
    if (answer !== 'yes') throw new CliError('apply cancelled; nothing was changed');
  }
  const secretsOut = o.secretsOut as string | undefined;
  // A secrets file that cannot take the secrets is found before anything is minted.
  if (secretsOut) readSecrets(secretsOut);
  const secrets: { key: string; token: string; prefix: string }[] = [];
  ctx.out.line('');
  for (const [index, change] of changes.entries()) {
    try {
      const result = await applyChange(lk, change, ids, memberIds);
      if (result.secret) {
        secrets.push(result.secret);
        // Written after every mint, so a run that stops later loses no secret.
        if (secretsOut) saveSecrets(secretsOut, result.secret.key, result.secret.token);
      }
      const minted = result.secret ? ctx.out.color.dim(`  minted ${result.secret.prefix}…`) : '';
      ctx.out.line(`${ctx.out.color.green('✓')} ${colourFor(ctx, change)(change.op)} ${change.address}${minted}`);
    } catch (error) {
      ctx.out.line(`${ctx.out.color.red('✗')} ${colourFor(ctx, change)(change.op)} ${change.address}`);
      ctx.out.stderr.write(formatError(error, ctx.out.color) + '\n');
      reportPartial(ctx, changes, index);
      printSecrets(ctx, secrets, secretsOut);
      return 1;
    }
  }
  printSecrets(ctx, secrets, secretsOut);
  const { add, change, destroy } = summary(changes);
  ctx.out.line('');
  ctx.out.line(`${ctx.out.color.green('Apply complete!')} Resources: ${add} added, ${change} changed, ${destroy} destroyed.`);
  return 0;
}
