import { Product } from '@checkout/contracts';
import { z } from 'zod';
import data from '../data/catalog.json';

export type Catalog = ReadonlyMap<string, Product>;

/** The product catalog: prices come from here, never from the client. */
export const loadCatalog = (items: unknown = data.items): Catalog =>
  new Map(
    z
      .array(Product)
      .parse(items)
      .map((p) => [p.productId, p]),
  );
