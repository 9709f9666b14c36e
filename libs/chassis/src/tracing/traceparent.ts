import { randomHex } from '../random';

/** W3C trace context: `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceIds {
  traceId: string;
  spanId: string;
  flags: string;
}

export function parseTraceparent(value: string | undefined): TraceIds | undefined {
  const m = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  if (!m || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, flags: m[3]! };
}

export const formatTraceparent = ({ traceId, spanId, flags }: TraceIds): string => `00-${traceId}-${spanId}-${flags}`;

export const traceIdOf = (traceparent: string | undefined): string | undefined =>
  parseTraceparent(traceparent)?.traceId;

/** A new trace, sampled: every order gets one even when the client sent none. */
export const newTraceparent = (): string =>
  formatTraceparent({ traceId: randomHex(16), spanId: randomHex(8), flags: '01' });

/**
 * The traceparent of a new span under `parent` (same trace id, new span id); a new trace when the
 * parent is absent or malformed, so what this process emits always carries a valid one.
 */
export function childTraceparent(parent: string | undefined): string {
  const p = parseTraceparent(parent);
  return p ? formatTraceparent({ ...p, spanId: randomHex(8) }) : newTraceparent();
}
