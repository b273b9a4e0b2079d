// The sentences confirmations use: say what will stop working, by name and prefix.

export function tokenLabel(token: { name: string; prefix: string }): string {
  return `${token.name} (${token.prefix}…)`;
}

export function revokeConsequence(token: { name: string; prefix: string }): string {
  return `Anything using ${token.prefix}… (${token.name}) will get 401 from its next request. This cannot be undone.`;
}

export function rollConsequence(token: { prefix: string }, graceSeconds: number): string {
  if (graceSeconds <= 0) return `The current secret ${token.prefix}… stops working at once; jobs using it will get 401 until they have the new one.`;
  return `The current secret ${token.prefix}… keeps working for ${describeSeconds(graceSeconds)}, then stops; jobs must switch to the new one before that.`;
}

export function describeSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
