/**
 * shardcache's own version, read from package.json whether running from src/
 * (tests) or dist/src/ (the built daemon). May import only node built-ins.
 */
import fs from 'node:fs';
import path from 'node:path';

function findPackageJson(start: string): string {
  let dir = start;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`package.json not found above ${start}`);
}

export const SHARDCACHE_VERSION: string = (
  JSON.parse(fs.readFileSync(findPackageJson(__dirname), 'utf8')) as { version: string }
).version;
