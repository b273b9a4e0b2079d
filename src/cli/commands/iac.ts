// `latchkey plan`, `latchkey apply`, `latchkey schema`: the org as a checked-in
// file (SPEC §7.4), in Terraform's manner. The work is in iac/run.ts, imported
// when one of these runs (the validator is compiled then, not at every start).
import type { Command } from 'commander';
import { action, type SetCode } from '../command.js';
import { FILE_SCHEMA } from '../iac/schema.js';

function fileCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .requiredOption('-f, --file <path>', 'the YAML or JSON file')
    .option('--prune', 'also remove what the file does not name (in the sections it has)')
    .option('--profile <name>', 'the saved login to use');
}

export function registerIac(cli: Command, setCode: SetCode): void {
  fileCommand(cli, 'plan', 'Show what `apply` would change to make the org match the file')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to change, 2 when there is, 1 on error')
    .option('--json', 'print the changes as JSON')
    .action(action(setCode, async (ctx, _args, o) => (await import('../iac/run.js')).planCommand(ctx, o)));

  fileCommand(cli, 'apply', 'Make the org match the file (asks first on a terminal)')
    .option('--auto-approve', 'do not ask (required when not on a terminal)')
    .option('--secrets-out <path>', 'write new secrets to this JSON file (mode 0600) instead of printing them')
    .action(action(setCode, async (ctx, _args, o) => (await import('../iac/run.js')).applyCommand(ctx, o)));

  cli
    .command('schema')
    .description('Print the JSON Schema of the plan/apply file (for editors)')
    .action(
      action(setCode, async (ctx) => {
        ctx.out.stdout.write(JSON.stringify(FILE_SCHEMA, null, 2) + '\n');
      }),
    );
}
