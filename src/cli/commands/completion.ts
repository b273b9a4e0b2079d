// `latchkey completion bash|zsh|fish`: a completion script generated from the
// command tree itself, so a new command completes without touching this file.
import type { Command, Option } from 'commander';
import { action, type SetCode } from '../command.js';

interface Node {
  /** The words after `latchkey`, e.g. "tokens create" ("" for the top). */
  path: string;
  subcommands: { name: string; description: string }[];
  options: { flag: string; description: string }[];
}

function walk(command: Command, prefix: string[], nodes: Node[]): void {
  const visible = command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  nodes.push({
    path: prefix.join(' '),
    subcommands: visible.map((c) => ({ name: c.name(), description: c.description() })),
    options: [...command.options.map((o: Option) => ({ flag: o.long ?? o.short ?? '', description: o.description })), { flag: '--help', description: 'show help' }].filter((o) => o.flag),
  });
  for (const sub of visible) walk(sub, [...prefix, sub.name()], nodes);
}

const squote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const oneLine = (text: string) => text.replace(/\s+/g, ' ').slice(0, 80);

export function bashScript(nodes: Node[]): string {
  const paths = nodes.filter((n) => n.path).map((n) => `"${n.path}"`).join('|');
  const cases = nodes
    .map((n) => `    ${JSON.stringify(n.path)}) cmds=${squote(n.subcommands.map((s) => s.name).join(' '))}; opts=${squote(n.options.map((o) => o.flag).join(' '))} ;;`)
    .join('\n');
  return `# bash completion for latchkey. Load it with:  source <(latchkey completion bash)
_latchkey() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" i w cmds="" opts=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
      ${paths || '""'}) path="\${path:+$path }$w" ;;
    esac
  done
  case "$path" in
${cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
  fi
}
complete -o default -F _latchkey latchkey
`;
}

export function zshScript(nodes: Node[]): string {
  const paths = nodes.filter((n) => n.path).map((n) => `${squote(n.path)}`).join('|');
  const describe = (items: { name: string; description: string }[]) => items.map((i) => squote(`${i.name.replace(/:/g, '\\:')}:${oneLine(i.description)}`)).join(' ');
  const cases = nodes
    .map((n) => `    ${squote(n.path)}) cmds=(${describe(n.subcommands)}); opts=(${describe(n.options.map((o) => ({ name: o.flag, description: o.description })))}) ;;`)
    .join('\n');
  return `#compdef latchkey
# zsh completion for latchkey. Load it with:  source <(latchkey completion zsh)
# (or save it as _latchkey in a directory on your $fpath)
_latchkey() {
  local p="" w
  local -a cmds opts
  for w in \${words[2,CURRENT-1]}; do
    [[ $w == -* ]] && continue
    case "\${p:+$p }$w" in
      ${paths || "''"}) p="\${p:+$p }$w" ;;
    esac
  done
  case "$p" in
${cases}
  esac
  if [[ $PREFIX == -* ]]; then
    _describe -t options 'option' opts
  else
    _describe -t commands 'command' cmds
  fi
}
if [[ $funcstack[1] == _latchkey ]]; then _latchkey "$@"; else compdef _latchkey latchkey; fi
`;
}

export function fishScript(nodes: Node[]): string {
  const lines = ['# fish completion for latchkey. Load it with:  latchkey completion fish | source', 'complete -c latchkey -f'];
  for (const node of nodes) {
    const words = node.path ? node.path.split(' ') : [];
    const children = node.subcommands.map((s) => s.name);
    // This node is where the command line is when its words are present and none of its children yet.
    const at = words.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${words[words.length - 1]}${children.length ? `; and not __fish_seen_subcommand_from ${children.join(' ')}` : ''}`;
    const within = words.length === 0 ? '' : words.slice(0, -1).map((w) => `__fish_seen_subcommand_from ${w}; and `).join('');
    const condition = squote(within + at);
    for (const sub of node.subcommands) lines.push(`complete -c latchkey -n ${condition} -a ${squote(sub.name)} -d ${squote(oneLine(sub.description))}`);
    for (const option of node.options) if (option.flag.startsWith('--')) lines.push(`complete -c latchkey -n ${condition} -l ${option.flag.slice(2)} -d ${squote(oneLine(option.description))}`);
  }
  return lines.join('\n') + '\n';
}

export function registerCompletion(cli: Command, setCode: SetCode): void {
  cli
    .command('completion <shell>')
    .description('Print a shell completion script: bash, zsh or fish')
    .action(
      action(setCode, async (ctx, [shell]) => {
        const nodes: Node[] = [];
        walk(cli, [], nodes);
        const scripts: Record<string, (n: Node[]) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };
        const script = scripts[shell];
        if (!script) return ctx.usage(`no completion for "${shell}": use bash, zsh or fish`);
        ctx.out.stdout.write(script(nodes));
      }),
    );
}
