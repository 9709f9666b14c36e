import { parse } from 'yaml';
import { SERVICES, readRepoFile } from './repo';

interface Job {
  'runs-on': string;
  strategy?: { matrix: { service: string[] } };
  steps: { uses?: string; run?: string; with?: Record<string, unknown> }[];
}

describe('.github/workflows/ci.yml', () => {
  const workflow = parse(readRepoFile('.github/workflows/ci.yml')) as {
    on: Record<string, unknown>;
    jobs: Record<string, Job>;
  };
  const job = (name: string): Job => {
    const found = workflow.jobs[name];
    if (!found) throw new Error(`ci.yml has no job ${name}`);
    return found;
  };
  const commands = (name: string): string =>
    job(name)
      .steps.map((s) => s.run ?? '')
      .join('\n');

  it('when code is pushed or a pull request opened, then the workflow runs', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });

  it('when the test job runs, then on Node 20 with kcat and redis-server it installs, lints, typechecks and tests', () => {
    const setupNode = job('test').steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    expect(String(setupNode?.with?.['node-version'])).toBe('20');
    const run = commands('test');
    expect(run).toMatch(/apt-get install .*kcat/);
    expect(run).toMatch(/apt-get install .*redis-server/);
    const order = ['npm install', 'npm run lint', 'npm run typecheck', 'npm test'].map((c) => run.indexOf(c));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('when the image job runs, then it builds one image per service with SERVICE=<dir>', () => {
    const images = job('images');
    expect([...(images.strategy?.matrix.service ?? [])].sort()).toEqual(SERVICES.map((s) => s.name).sort());
    const build = images.steps.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.with?.['build-args']).toBe('SERVICE=${{ matrix.service }}');
  });

  it('when the compose job runs, then it validates docker-compose.yml', () => {
    expect(commands('compose')).toMatch(/docker compose -f docker-compose\.yml config/);
  });
});
