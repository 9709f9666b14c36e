import { InternalClient, dependencyUnavailable } from '@checkout/chassis';
import { StockQueryResponse, type CachedStock } from '@checkout/contracts';

export interface StockClient {
  levels(productIds: string[]): Promise<Map<string, CachedStock>>;
}

/** Reads stock from inventory-cache-service; any failure there is a 503 here. */
export function createStockClient(baseURL: string, timeoutMs: number): StockClient {
  const http = new InternalClient({ service: 'inventory-cache-service', baseURL, timeoutMs });
  return {
    async levels(productIds) {
      if (productIds.length === 0) return new Map();
      const res = await http.post('/stock/query', { productIds });
      if (res.status !== 200) throw dependencyUnavailable(`inventory-cache-service (HTTP ${res.status})`);
      const parsed = StockQueryResponse.safeParse(res.body);
      if (!parsed.success) throw dependencyUnavailable('inventory-cache-service (malformed answer)', parsed.error);
      return new Map(parsed.data.items.map((i) => [i.productId, i]));
    },
  };
}
