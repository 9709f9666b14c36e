import { createHttpClient, dependencyUnavailable } from '@checkout/chassis';
import { InventoryList, type InventoryItem } from '@checkout/contracts';

export interface InventoryClient {
  list(): Promise<InventoryItem[]>;
}

/** Reads the full stock list from inventory-service, the source of truth; any failure is a 503. */
export function createInventoryClient(baseURL: string, timeoutMs: number): InventoryClient {
  const http = createHttpClient({ baseURL, timeoutMs, retries: 1 });
  return {
    async list() {
      let res;
      try {
        res = await http.get('/inventory');
      } catch (err) {
        throw dependencyUnavailable('inventory-service', err);
      }
      if (res.status !== 200) throw dependencyUnavailable(`inventory-service (HTTP ${res.status})`);
      return InventoryList.parse(res.data).items;
    },
  };
}
