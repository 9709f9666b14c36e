import { InternalClient } from '@checkout/chassis';
import { InventoryList, type InventoryItem } from '@checkout/contracts';

export interface InventoryClient {
  list(): Promise<InventoryItem[]>;
}

/** Reads the full stock list from inventory-service, the source of truth; any failure is a 503. */
export function createInventoryClient(baseURL: string, timeoutMs: number): InventoryClient {
  const http = new InternalClient({ service: 'inventory-service', baseURL, timeoutMs, connections: 4 });
  return {
    async list() {
      return (await http.getJson('/inventory', InventoryList)).items;
    },
  };
}
