// The package version, reported to MCP clients in the initialize handshake.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function packageVersion(): string {
  // src/mcp/ in development, dist/src/mcp/ when built: look upwards for our package.json.
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'latchkey' && pkg.version) return pkg.version;
    } catch {
      // not here; keep looking
    }
  }
  return '0.0.0';
}

export const LATCHKEY_VERSION = packageVersion();
