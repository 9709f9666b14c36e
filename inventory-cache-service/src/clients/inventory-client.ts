import { InternalClient, dependencyUnavailable } from '@checkout/chassis';
import { InventoryList, type InventoryItem } from '@checkout/contracts';

export interface InventoryClient {
  list(): Promise<InventoryItem[]>;
}

/** Reads the full stock list from inventory-service, the source of truth; any failure is a 503. */
export function createInventoryClient(baseURL: string, timeoutMs: number): InventoryClient {
  const http = new InternalClient({ service: 'inventory-service', baseURL, timeoutMs, connections: 4 });
  return {
    async list() {
      const res = await http.get('/inventory');
      if (res.status !== 200) throw dependencyUnavailable(`inventory-service (HTTP ${res.status})`);
      const parsed = InventoryList.safeParse(res.body);
      if (!parsed.success) throw dependencyUnavailable('inventory-service (malformed answer)', parsed.error);
      return parsed.data.items;
    },
  };
}
