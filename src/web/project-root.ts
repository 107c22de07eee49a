import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder with package.json, from the sources (tests) or from dist/ (npm start) alike. */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export const WEB_VIEWS_DIR = join(projectRoot(), 'src', 'web', 'views');
export const WEB_ASSETS_DIR = join(projectRoot(), 'src', 'web', 'public');
