import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { Health, createLogger, createMetrics } from '@checkout/chassis';
import { createApp } from '../src/app';
import type { MemoryLimits } from '../src/domain/memory';

export const ADMIN_TOKEN = 'test-admin-token';

export const gatewayApp = (
  over: { adminToken?: string | undefined; random?: () => number; memory?: MemoryLimits } = {},
) =>
  createApp({
    logger: createLogger('payment-gateway-mock-test', 'silent'),
    health: new Health(),
    metrics: createMetrics('payment-gateway-mock-test'),
    adminToken: 'adminToken' in over ? over.adminToken : ADMIN_TOKEN,
    ...(over.random ? { random: over.random } : {}),
    ...(over.memory ? { memory: over.memory } : {}),
  });

export const orderId = () => `ord-${randomUUID()}`;

export const chargeBody = (
  over: Partial<{ amount: number; currency: string; source: string; orderId: string }> = {},
) => ({
  amount: 4998,
  currency: 'USD',
  source: 'tok_visa',
  orderId: orderId(),
  ...over,
});

export const charge = (app: Express, body: object, key: string | null = randomUUID()) => {
  const req = request(app).post('/v1/charges');
  return key === null ? req.send(body) : req.set('Idempotency-Key', key).send(body);
};

export const chargesOf = async (app: Express, id: string) =>
  (await request(app).get('/v1/charges').query({ orderId: id })).body.items;

export const attemptsOf = async (app: Express, id: string) =>
  (await request(app).get('/v1/charges/attempts').query({ orderId: id })).body.attempts as {
    at: string;
    outcome: string;
  }[];

export const control = (app: Express, settings: object) =>
  request(app).post('/_control').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send(settings);
