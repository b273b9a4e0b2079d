// The client side of `latchkey`: commands that talk to any Latchkey server over
// its HTTP API (SPEC §7.3, §7.4), registered on the program in one call.
import type { Command } from 'commander';
import { showUsageOnError, type SetCode } from './command.js';
import { registerAudit } from './commands/audit.js';
import { registerCompletion } from './commands/completion.js';
import { registerIac } from './commands/iac.js';
import { registerLogin } from './commands/login.js';
import { registerMembers, registerServiceAccounts, registerTeams } from './commands/org.js';
import { registerTokens } from './commands/tokens.js';

export function registerClientCommands(cli: Command, setCode: SetCode): void {
  registerLogin(cli, setCode);
  registerTokens(cli, setCode);
  registerServiceAccounts(cli, setCode);
  registerTeams(cli, setCode);
  registerMembers(cli, setCode);
  registerAudit(cli, setCode);
  registerIac(cli, setCode);
  registerCompletion(cli, setCode);
  for (const command of cli.commands) showUsageOnError(command);
}
