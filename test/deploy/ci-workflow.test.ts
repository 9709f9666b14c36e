import { parse } from 'yaml';
import { SERVICES, readRepoFile } from './repo';

interface Job {
  'runs-on': string;
  strategy?: { matrix: { service?: string[]; node?: number[] } };
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
  const ciRun = readRepoFile('.ci/run');
  const commands = (name: string): string =>
    job(name)
      .steps.map((s) => s.run ?? '')
      .join('\n');

  it('when code is pushed or a pull request opened, then the workflow runs', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
  });

  it("when the test job runs, then on the images' Node and the oldest supported one it apt-installs what .ci/run needs, without recommends, and runs .ci/run", () => {
    const setupNode = job('test').steps.find((s) => s.uses?.startsWith('actions/setup-node'));
    expect(setupNode?.with?.['node-version']).toBe('${{ matrix.node }}');
    const imageNode = Number(/ARG NODE_IMAGE=node:(\d+)-slim/.exec(readRepoFile('Dockerfile'))?.[1]);
    const oldest = Number(/>=(\d+)/.exec(JSON.parse(readRepoFile('package.json')).engines.node)?.[1]);
    expect(job('test').strategy?.matrix.node).toEqual([oldest, imageNode]);
    const needed = [...ciRun.matchAll(/need\+=\((\S+)\)/g)].map((m) => m[1]!);
    expect(needed).toEqual(expect.arrayContaining(['docker-compose', 'kcat', 'redis-server']));
    const run = commands('test');
    const install = run.match(/apt-get install (.*)/)?.[1]?.split(/\s+/) ?? [];
    expect(install).toEqual(expect.arrayContaining(['--no-install-recommends', ...needed]));
    expect(run).toMatch(/^bash \.ci\/run$/m);
  });

  it('when .ci/run runs, then it installs, lints, typechecks, tests and runs the chaos suite, in that order', () => {
    const steps = ['npm install', 'npm run lint', 'npm run typecheck', 'npm test', 'npm run test:chaos'];
    const run = ciRun.split('\n').map((line) => steps.find((c) => line === c || line.startsWith(`${c} `)));
    expect(run.filter(Boolean)).toEqual(steps);
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
