import { createHttpClient, dependencyUnavailable } from '@checkout/chassis';
import { StockQueryResponse, type CachedStock } from '@checkout/contracts';

export interface StockClient {
  levels(productIds: string[]): Promise<Map<string, CachedStock>>;
}

/** Reads stock from inventory-cache-service; any failure there is a 503 here. */
export function createStockClient(baseURL: string, timeoutMs: number): StockClient {
  const http = createHttpClient({ baseURL, timeoutMs, retries: 1 });
  return {
    async levels(productIds) {
      if (productIds.length === 0) return new Map();
      let res;
      try {
        res = await http.post('/stock/query', { productIds });
      } catch (err) {
        throw dependencyUnavailable('inventory-cache-service', err);
      }
      if (res.status !== 200) throw dependencyUnavailable(`inventory-cache-service (HTTP ${res.status})`);
      const { items } = StockQueryResponse.parse(res.data);
      return new Map(items.map((i) => [i.productId, i]));
    },
  };
}
