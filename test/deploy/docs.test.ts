import fs from 'node:fs';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import * as contracts from '@checkout/contracts';
import { EVENT_TYPES } from '@checkout/contracts';
import { ROOT, SERVICES } from './repo';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderDocs } = require('../../scripts/docs/render') as {
  renderDocs: (c: typeof contracts) => Record<string, string>;
};

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const ARCH = 'docs/architecture';

describe('generated docs (npm run docs:generate)', () => {
  it.each(Object.entries(renderDocs(contracts)))(
    'when %s is generated from libs/contracts, then the committed file is identical',
    (file, fresh) => {
      expect(read(file)).toBe(fresh);
    },
  );
});

describe('docs/architecture/asyncapi.yaml', () => {
  it('when parsed by @asyncapi/parser, then it is a valid AsyncAPI 3.0 document with one channel per event type', async () => {
    const { document, diagnostics } = await new Parser().parse(read(`${ARCH}/asyncapi.yaml`));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const addresses = document!
      .channels()
      .all()
      .map((c) => c.address());
    for (const type of EVENT_TYPES) expect(addresses).toContain(type);
    const headers = document!.messages().all()[0]!.headers()!.properties() ?? {};
    expect(Object.keys(headers)).toEqual(
      expect.arrayContaining(['ce_id', 'ce_type', 'x-correlation-id', 'traceparent']),
    );
  });
});

describe('docs/architecture/openapi.json', () => {
  const doc = JSON.parse(read(`${ARCH}/openapi.json`));

  it('when read, then it is OpenAPI 3.1 with POST /checkout and GET /orders/{orderId}, and every $ref resolves', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/checkout'].post.requestBody).toBeDefined();
    expect(doc.paths['/orders/{orderId}'].get.responses['200']).toBeDefined();
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const name of new Set(refs)) expect(doc.components.schemas).toHaveProperty([name]);
  });

  it("when Swagger UI's Try it out sends POST /checkout's example, then it is a valid order of the demo catalog", () => {
    const example = doc.paths['/checkout'].post.requestBody.content['application/json'].example;
    expect(contracts.CheckoutRequest.safeParse(example).error).toBeUndefined();
    const catalog = JSON.parse(read('validation-service/src/data/catalog.json')) as {
      items: { productId: string; price: number }[];
    };
    for (const line of example.cart.items as { productId: string; price: number }[])
      expect(catalog.items).toContainEqual(expect.objectContaining({ productId: line.productId, price: line.price }));
  });
});

describe('docs/architecture', () => {
  it('when the system SVG is read, then it names every service', () => {
    const svg = read(`${ARCH}/system.svg`);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const { name } of SERVICES) expect(svg).toContain(name);
  });

  it('when the index is read, then every file it links exists and every flow has a sequence diagram', () => {
    const index = read(`${ARCH}/README.md`);
    const links = [...index.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!).filter((l) => !/^https?:/.test(l));
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(fs.existsSync(path.join(ROOT, ARCH, link))).toBe(true);
    const flows = read(`${ARCH}/flows.md`);
    expect(flows.match(/```mermaid\nsequenceDiagram/g)?.length).toBeGreaterThanOrEqual(4);
  });
});
