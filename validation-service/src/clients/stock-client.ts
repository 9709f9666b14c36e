import { InternalClient, type RequestContext } from '@checkout/chassis';
import { StockQueryResponse, type CachedStock } from '@checkout/contracts';

export interface StockClient {
  levels(productIds: string[], ctx?: RequestContext): Promise<Map<string, CachedStock>>;
}

/** Reads stock from inventory-cache-service; any failure there is a 503 here. */
export function createStockClient(baseURL: string, timeoutMs: number): StockClient {
  const http = new InternalClient({ service: 'inventory-cache-service', baseURL, timeoutMs });
  return {
    async levels(productIds, ctx) {
      if (productIds.length === 0) return new Map();
      const { items } = await http.postJson('/stock/query', { productIds }, StockQueryResponse, ctx);
      return new Map(items.map((i) => [i.productId, i]));
    },
  };
}
