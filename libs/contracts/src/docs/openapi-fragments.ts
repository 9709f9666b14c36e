import type { ServiceName } from './flow';

export const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (s: unknown) => ({ content: { 'application/json': { schema: s } } });
export const error = (description: string) => ({ description, ...json(schema('ErrorBody')) });
/** The 404 of an unknown id (the chassis' notFound): one detail naming its path parameter. */
export const unknownId = (what: string, param: string) =>
  error(`Unknown ${what}: one detail naming ${param} (a 404 without it is for a path no route takes)`);
export const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
export const objectOf = (items: unknown) => ({ type: 'object', properties: { items: { type: 'array', items } } });

export interface Op {
  service: ServiceName;
  summary: string;
  [k: string]: unknown;
}

export type Operations = Record<string, Record<string, Op>>;
