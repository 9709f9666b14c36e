import { createMetrics } from '../src/metrics';

describe('service metrics', () => {
  it('when a service is scraped, then Node default metrics (event-loop lag included) carry its service label', async () => {
    const { registry } = createMetrics('metrics-test');
    const text = await registry.metrics();
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{service="metrics-test"\} /m);
    expect(text).toMatch(/^process_cpu_seconds_total\{service="metrics-test"\} /m);
  });
});
