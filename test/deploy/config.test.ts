import path from 'node:path';
import { ROOT, SERVICES } from './repo';

// A template or a manifest that leaves a variable blank (`PAYMENT_MAX_RETRIES=`) means "the
// default", as docs/architecture/README.md says; read as a number it would be 0 (no retries, no
// grace before an expired reservation goes back).
describe("every service's configuration", () => {
  it.each(SERVICES.map((s) => s.name))(
    'when %s is given every one of its variables blank, then it starts with the same settings as with none set',
    async (name) => {
      const { loadConfig } = (await import(path.join(ROOT, name, 'src', 'config'))) as {
        loadConfig: (env: NodeJS.ProcessEnv) => Record<string, unknown>;
      };
      const defaults = loadConfig({});
      expect(Object.keys(defaults).length).toBeGreaterThan(10);
      for (const value of ['', ' ']) {
        const blank = Object.fromEntries(Object.keys(defaults).map((k) => [k, value]));
        expect(loadConfig(blank)).toEqual(defaults);
      }
    },
  );
});
