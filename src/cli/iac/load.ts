// Reading the declarative file: YAML or JSON (JSON is YAML), checked as a whole
// before anything is planned — against the JSON Schema, for duplicate names,
// and against the server (unknown scopes and roles, people who are not members,
// anything beyond what the caller may grant). Every problem names its path in
// the file and its line, and a file with any problem changes nothing.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { FILE_SCHEMA, type OrgSpec } from './schema.js';

export type Path = (string | number)[];

export interface Problem {
  path: Path;
  message: string;
  /** 1-based; 0 when the file has no such place (a missing key points at its parent). */
  line: number;
  column: number;
}

export interface LoadedFile {
  file: string;
  spec: OrgSpec;
  /** Where `path` is in the file. */
  locate(path: Path, key?: boolean): { line: number; column: number };
}

export class FileProblems extends Error {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
  }
}

export function formatPath(path: Path): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '') || '(top level)';
}

export function formatProblem(file: string, problem: Problem): string {
  const where = problem.line ? `${file}:${problem.line}:${problem.column}` : file;
  return `${where}: ${formatPath(problem.path)}: ${problem.message}`;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(FILE_SCHEMA);

/** Parses and checks the file's shape; throws FileProblems listing every problem. */
export function loadFile(file: string, text = readFileSync(file, 'utf8')): LoadedFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length) {
    throw new FileProblems(
      file,
      doc.errors.map((e) => ({ path: [], message: e.message.split('\n')[0]!, ...at(e.pos[0]) })),
    );
  }
  const locate = (path: Path, key = false) => locateIn(doc, path, key, at);
  const value = doc.toJS() as unknown;
  const spec = (value ?? {}) as OrgSpec;
  const problems: Problem[] = [];
  if (!validate(spec)) {
    for (const error of dedupe(validate.errors ?? [])) problems.push(schemaProblem(error, locate));
  }
  if (problems.length === 0) problems.push(...duplicates(spec, locate));
  if (problems.length) throw new FileProblems(file, problems);
  return { file, spec, locate };
}

function locateIn(doc: Document, path: Path, key: boolean, at: (offset: number) => { line: number; column: number }): { line: number; column: number } {
  // The deepest node that exists on the path (a missing key points at its parent).
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (key && depth === path.length && depth > 0) {
      const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === prefix[prefix.length - 1]);
        const range = (pair?.key as YamlNode | undefined)?.range;
        if (range) return at(range[0]);
      }
      continue;
    }
    const node = (prefix.length ? doc.getIn(prefix, true) : doc.contents) as YamlNode | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return at(node.range[0]);
  }
  return { line: 0, column: 0 };
}

function pathOf(pointer: string): Path {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Ajv reports an enum failure on a nullable type twice; keep the most telling error per place. */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function schemaProblem(error: ErrorObject, locate: LoadedFile['locate']): Problem {
  const path = pathOf(error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const allowed = allowedKeys(path);
      return { path: [...path, key], message: `unknown key "${key}"${allowed ? ` (expected one of: ${allowed})` : ''}`, ...locate([...path, key], true) };
    }
    case 'required':
      return { path, message: `missing "${String(error.params.missingProperty)}"`, ...locate(path) };
    case 'enum':
      return { path, message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, ...locate(path) };
    case 'pattern':
      return { path, message: path.includes('scopes') ? 'is not a scope (resource:action, e.g. issues:read)' : path[path.length - 1] === 'email' ? 'is not an email address' : 'has leading/trailing spaces or is empty', ...locate(path) };
    case 'uniqueItems':
      return { path, message: 'lists the same value twice', ...locate(path) };
    default:
      return { path, message: error.message ?? 'is not valid', ...locate(path) };
  }
}

function allowedKeys(path: Path): string | null {
  const named = path.filter((p): p is string => typeof p === 'string');
  const last = named[named.length - 1];
  const keys: Record<string, string[]> = {
    '': ['policy', 'serviceAccounts', 'teams', 'orgTokens'],
    policy: ['requireExpiry', 'maxLifetimeDays', 'maxPersonalTokensPerUser'],
    serviceAccounts: ['name', 'scopes', 'resources', 'tokens'],
    teams: ['name', 'members', 'tokens'],
    members: ['email', 'scopes', 'resources'],
    tokens: ['name', 'scopes', 'resources', 'expiresIn'],
    orgTokens: ['name', 'role', 'scopes', 'resources', 'expiresIn'],
  };
  return keys[last ?? '']?.join(', ') ?? null;
}

/** Names are the identity of every object, so each must be unique where it lives. */
function duplicates(spec: OrgSpec, locate: LoadedFile['locate']): Problem[] {
  const problems: Problem[] = [];
  const check = (items: { [k: string]: unknown }[] | undefined, base: Path, field: 'name' | 'email', what: string) => {
    const first = new Map<string, number>();
    (items ?? []).forEach((item, i) => {
      const raw = item[field];
      if (typeof raw !== 'string') return;
      const value = field === 'email' ? raw.toLowerCase() : raw;
      const earlier = first.get(value);
      if (earlier === undefined) first.set(value, i);
      else {
        const line = locate([...base, earlier, field]).line;
        problems.push({ path: [...base, i, field], message: `${what} "${raw}" is already declared at ${formatPath([...base, earlier])} (line ${line})`, ...locate([...base, i, field]) });
      }
    });
  };
  check(spec.serviceAccounts as never, ['serviceAccounts'], 'name', 'service account');
  spec.serviceAccounts?.forEach((sa, i) => check(sa.tokens as never, ['serviceAccounts', i, 'tokens'], 'name', 'token'));
  check(spec.teams as never, ['teams'], 'name', 'team');
  spec.teams?.forEach((team, i) => {
    check(team.members as never, ['teams', i, 'members'], 'email', 'member');
    check(team.tokens as never, ['teams', i, 'tokens'], 'name', 'token');
  });
  check(spec.orgTokens as never, ['orgTokens'], 'name', 'org token');
  spec.orgTokens?.forEach((t, i) => {
    if (t.role === undefined && t.scopes === undefined) problems.push({ path: ['orgTokens', i], message: 'give a role or scopes', ...locate(['orgTokens', i]) });
    if (t.role !== undefined && t.scopes !== undefined) problems.push({ path: ['orgTokens', i, 'role'], message: 'give a role or scopes, not both', ...locate(['orgTokens', i, 'role'], true) });
  });
  return problems;
}

export interface ServerFacts {
  /** Every scope in the org's catalogue. */
  catalogue: Set<string>;
  /** What the caller may grant: its effective scopes. */
  callerScopes: Set<string>;
  callerRole: string | null;
  roles: Map<string, { rank: number; scopes: string[] }>;
  /** Org members by lower-cased email. */
  members: Map<string, string>;
}

/** The checks that need the server: scopes and roles that exist, people who are members, no escalation. */
export function checkAgainstServer(loaded: LoadedFile, facts: ServerFacts): void {
  const { spec, locate } = loaded;
  const problems: Problem[] = [];
  const checkScopes = (list: string[] | undefined, path: Path) =>
    list?.forEach((scope, i) => {
      const at = [...path, i];
      if (!facts.catalogue.has(scope)) problems.push({ path: at, message: `unknown scope "${scope}" (not in the org's catalogue: see \`latchkey whoami\` or GET /v1/api-tokens/scopes)`, ...locate(at) });
      else if (!facts.callerScopes.has(scope)) problems.push({ path: at, message: `"${scope}" is beyond what your credential may grant (no escalation)`, ...locate(at) });
    });

  spec.serviceAccounts?.forEach((sa, i) => {
    checkScopes(sa.scopes, ['serviceAccounts', i, 'scopes']);
    sa.tokens?.forEach((t, j) => {
      checkScopes(t.scopes, ['serviceAccounts', i, 'tokens', j, 'scopes']);
      t.scopes?.forEach((scope, k) => {
        if (!sa.scopes.includes(scope)) problems.push({ path: ['serviceAccounts', i, 'tokens', j, 'scopes', k], message: `"${scope}" is not among service account "${sa.name}"'s scopes (a token can only narrow its account)`, ...locate(['serviceAccounts', i, 'tokens', j, 'scopes', k]) });
      });
    });
  });
  spec.teams?.forEach((team, i) => {
    team.members?.forEach((m, j) => {
      checkScopes(m.scopes, ['teams', i, 'members', j, 'scopes']);
      if (!facts.members.has(m.email.toLowerCase())) {
        problems.push({ path: ['teams', i, 'members', j, 'email'], message: `${m.email} is not a member of the org (invite them first: latchkey members invite --email ${m.email})`, ...locate(['teams', i, 'members', j, 'email']) });
      }
    });
    team.tokens?.forEach((t, j) => checkScopes(t.scopes, ['teams', i, 'tokens', j, 'scopes']));
  });
  spec.orgTokens?.forEach((t, i) => {
    checkScopes(t.scopes, ['orgTokens', i, 'scopes']);
    if (t.role !== undefined) {
      const role = facts.roles.get(t.role);
      const path = ['orgTokens', i, 'role'];
      if (!role) problems.push({ path, message: `unknown role "${t.role}" (roles: ${[...facts.roles.keys()].join(', ')})`, ...locate(path) });
      else {
        const mine = facts.callerRole ? facts.roles.get(facts.callerRole) : undefined;
        // Above the caller's role, or holding a scope the caller's credential lacks (a narrowed token).
        const above = (mine !== undefined && role.rank > mine.rank) || role.scopes.some((s) => !facts.callerScopes.has(s));
        if (above) problems.push({ path, message: `role "${t.role}" is above yours${facts.callerRole ? ` (${facts.callerRole})` : ''} (no escalation)`, ...locate(path) });
      }
    }
  });
  if (problems.length) throw new FileProblems(loaded.file, problems);
}
