import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SERVICES, readRepoFile } from './repo';

/** Instructions with their continuation lines joined, comments dropped. */
const instructions = readRepoFile('Dockerfile')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = instructions.filter((l) => /^FROM /i.test(l));
const finalStage = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]!));

describe('Dockerfile', () => {
  // Node 20's support ended in April 2026; 24 is an LTS line (the whole suite passes on it, and on 26).
  it('when built, then it is multi-stage on a Node 24 base', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(instructions).toContain('ARG NODE_IMAGE=node:24-slim');
  });

  it('when built, then it installs from the lockfile, builds the one service and drops dev dependencies', () => {
    const runs = instructions.filter((l) => l.startsWith('RUN ')).join('\n');
    expect(runs).toContain('npm install --no-audit --no-fund');
    expect(runs).toContain('tsc -b "$SERVICE"');
    expect(runs).toContain('npm prune --omit=dev');
  });

  it('when run, then the final stage holds only built output, as the unprivileged node user, with node as PID 1', () => {
    expect(finalStage).toContain('ARG SERVICE');
    expect(finalStage).toContain('USER node');
    expect(finalStage.filter((l) => l.startsWith('COPY '))).toEqual(['COPY --from=build /out /app']);
    expect(finalStage).toContain('WORKDIR /app/${SERVICE}');
    expect(finalStage[finalStage.length - 1]).toBe(
      'CMD ["node", "--disable-warning=TimeoutNegativeWarning", "dist/main.js"]',
    );
  });

  it.each(SERVICES.map((s) => s.name))(
    'when SERVICE=%s, then that directory is a buildable TypeScript project',
    (name) => {
      expect(fs.existsSync(path.join(ROOT, name, 'tsconfig.json'))).toBe(true);
      expect(fs.existsSync(path.join(ROOT, name, 'package.json'))).toBe(true);
    },
  );

  it('when the build context is sent, then dependencies, outputs, run state and git history stay out', () => {
    const ignored = readRepoFile('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.run', 'bench/results', '.git'])
      expect(ignored).toContain(entry);
  });
});
