import type { ServiceName } from './flow';

export const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (s: unknown) => ({ content: { 'application/json': { schema: s } } });
export const error = (description: string) => ({ description, ...json(schema('ErrorBody')) });
export const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
export const objectOf = (items: unknown) => ({ type: 'object', properties: { items: { type: 'array', items } } });

export interface Op {
  service: ServiceName;
  summary: string;
  [k: string]: unknown;
}

export type Operations = Record<string, Record<string, Op>>;
