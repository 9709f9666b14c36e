import type { z } from 'zod';
import {
  CheckoutAccepted,
  CheckoutRequest,
  ErrorBody,
  InventoryItem,
  InventoryList,
  OrderView,
  PaymentView,
  Product,
  SetStockRequest,
  StockQueryRequest,
  StockQueryResponse,
  CachedStock,
  ValidateRequest,
  ValidateResponse,
} from '../http';

export const SCHEMAS: Record<string, [z.ZodType, 'input' | 'output']> = {
  CheckoutRequest: [CheckoutRequest, 'input'],
  CheckoutAccepted: [CheckoutAccepted, 'output'],
  OrderView: [OrderView, 'output'],
  ValidateRequest: [ValidateRequest, 'input'],
  ValidateResponse: [ValidateResponse, 'output'],
  Product: [Product, 'output'],
  StockQueryRequest: [StockQueryRequest, 'input'],
  StockQueryResponse: [StockQueryResponse, 'output'],
  CachedStock: [CachedStock, 'output'],
  InventoryList: [InventoryList, 'output'],
  InventoryItem: [InventoryItem, 'output'],
  SetStockRequest: [SetStockRequest, 'input'],
  PaymentView: [PaymentView, 'output'],
  ErrorBody: [ErrorBody, 'output'],
};
