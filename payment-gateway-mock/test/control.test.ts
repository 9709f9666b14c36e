import request from 'supertest';
import { ADMIN_TOKEN, charge, chargeBody, control, gatewayApp } from './harness';

describe('POST /_control', () => {
  it('when no admin token is configured, then 403', async () => {
    const res = await request(gatewayApp({ adminToken: undefined }))
      .post('/_control')
      .send({ failNext: 1 });
    expect(res.status).toBe(403);
  });

  it('when the token is missing or wrong, then 401 and nothing changes', async () => {
    const app = gatewayApp();
    expect((await request(app).post('/_control').send({ failNext: 1 })).status).toBe(401);
    expect(
      (await request(app).post('/_control').set('Authorization', 'Bearer nope').send({ failNext: 1 })).status,
    ).toBe(401);
    expect((await charge(app, chargeBody())).status).toBe(201);
  });

  it('when the settings come as a form rather than JSON, then 400 and nothing changes; no body at all resets', async () => {
    const app = gatewayApp();
    await control(app, { failNext: 2 });
    const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    const form = await request(app).post('/_control').set(admin).type('form').send('failRate=0.5');
    expect(form.status).toBe(400);
    expect(form.body.details).toEqual([expect.objectContaining({ field: '(body)' })]);
    expect((await request(app).get('/_control')).body).toMatchObject({ failNext: 2, failRate: 0 });

    const empty = await request(app).post('/_control').set(admin);
    expect([empty.status, empty.body.failNext]).toEqual([200, 0]);
  });

  it('when settings are given, then 200 answers the current settings; later ones merge in', async () => {
    const app = gatewayApp();
    expect((await control(app, { latencyMs: 20, failNext: 2 })).body).toEqual({
      latencyMs: 20,
      failNext: 2,
      failRate: 0,
      requests: 0,
    });
    expect((await control(app, { failRate: 0.25 })).body).toEqual({
      latencyMs: 20,
      failNext: 2,
      failRate: 0.25,
      requests: 0,
    });
  });

  it('when the body is {} or { reset: true }, then everything resets', async () => {
    const app = gatewayApp();
    await control(app, { latencyMs: 20, failNext: 2, failRate: 0.5 });
    expect((await control(app, {})).body).toEqual({ latencyMs: 0, failNext: 0, failRate: 0, requests: 0 });
    await control(app, { failNext: 3 });
    expect((await control(app, { reset: true })).body).toMatchObject({ failNext: 0 });
  });

  it('when the body is { reset: false }, then nothing resets', async () => {
    const app = gatewayApp();
    await control(app, { latencyMs: 20, failNext: 2 });
    expect((await control(app, { reset: false })).body).toMatchObject({ latencyMs: 20, failNext: 2 });
  });

  it('when a setting is out of range, then 400 names it', async () => {
    const res = await control(gatewayApp(), { failRate: 2 });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'failRate' })]);
  });
});

describe('GET /_control', () => {
  it('when charges were requested, then requests counts every one, rejected and replayed ones included', async () => {
    const app = gatewayApp();
    const body = chargeBody();
    await charge(app, body, 'k1');
    await charge(app, body, 'k1');
    await charge(app, body, null);
    const res = await request(app).get('/_control');
    expect(res.body).toEqual({ latencyMs: 0, failNext: 0, failRate: 0, requests: 3 });
  });
});
