// Presets: ready-made configurations under presets/<name>.json that make Latchkey
// behave as one seed document's product. Each is plain configuration data,
// checked against the schema of latchkey.config.json; nothing in the code asks
// which preset is running.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configProblems, type FileConfig } from './config-schema.js';

export class PresetError extends Error {}

/** presets/ at the package root, found from here whether running from src/ or dist/src/. */
export function presetsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'presets');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new PresetError('cannot find the presets/ folder next to package.json');
}

export function presetNames(): string[] {
  return readdirSync(presetsDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** A preset's configuration, checked against the config schema. */
export function readPreset(name: string): FileConfig {
  const names = presetNames();
  if (!names.includes(name)) throw new PresetError(`unknown preset "${name}" (one of ${names.join(', ')})`);
  const file = path.join(presetsDir(), `${name}.json`);
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const problems = configProblems(parsed);
  if (problems.length > 0) throw new PresetError(`preset ${name} is invalid: ${problems.join('; ')}`);
  const preset = parsed as FileConfig;
  if (preset.preset !== undefined) throw new PresetError(`preset ${name} names another preset; presets do not stack`);
  return preset;
}

export function listPresets(): { name: string; description: string }[] {
  return presetNames().map((name) => ({ name, description: readPreset(name).description ?? '' }));
}
