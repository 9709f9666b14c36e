import { z } from 'zod';

type Json = Record<string, unknown>;

/** A zod schema as plain JSON Schema for the generated docs (no `$schema`: the document says which dialect). */
export function jsonSchemaOf(
  schema: z.ZodType,
  target: 'draft-7' | 'draft-2020-12',
  io: 'input' | 'output' = 'output',
): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target, io, unrepresentable: 'any' }) as Json;
  return rest;
}
