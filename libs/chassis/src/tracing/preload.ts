/**
 * Starts OpenTelemetry (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before anything else is loaded:
 * every service's main.ts imports this first. The HTTP and express instrumentations patch those
 * modules as they are required, so the SDK must run before the chassis' index loads them; started
 * from Runtime's constructor, it came too late and no HTTP span was ever exported.
 * The service is named by OTEL_SERVICE_NAME, else by its folder (`<service>/dist/main.js`).
 */
import path from 'node:path';
import { startTracing } from './otel';

const entry = require.main?.filename;
startTracing(entry ? path.basename(path.dirname(path.dirname(entry))) : 'checkout-saga');
