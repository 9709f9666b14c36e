'use strict';
// The system diagram as a small hand-laid SVG (no browser needed to render Mermaid). Deterministic:
// the same input always gives the same bytes, so a test can compare it with the committed file.

const BOX_W = 200;
const BOX_H = 54;

const NODES = {
  ui: { x: 20, y: 40, label: 'UI / client', sub: 'POST /checkout', kind: 'ext' },
  'checkout-service': { x: 260, y: 40, label: 'checkout-service', sub: ':3000 orders projection' },
  'validation-service': { x: 520, y: 40, label: 'validation-service', sub: ':3001 catalog, promos' },
  'inventory-cache-service': { x: 780, y: 40, label: 'inventory-cache-service', sub: ':3002 stock read model' },
  kafka: {
    x: 20,
    y: 200,
    w: 960,
    label: 'Kafka — one topic per event type',
    sub: 'order.* stock.* payment.* dlq.<service>',
    kind: 'bus',
  },
  'inventory-service': { x: 20, y: 360, label: 'inventory-service', sub: ':3003 stock, reservations' },
  'payment-service': { x: 260, y: 360, label: 'payment-service', sub: ':3004 exactly-once charge' },
  'payment-gateway-mock': { x: 260, y: 480, label: 'payment-gateway-mock', sub: ':3010 external gateway', kind: 'ext' },
  'notification-service': { x: 520, y: 360, label: 'notification-service', sub: ':3005 one per template' },
  'audit-service': { x: 780, y: 360, label: 'audit-service', sub: ':3006 append-only log' },
  redis: {
    x: 520,
    y: 480,
    w: 450,
    label: 'Redis — one key prefix per owner',
    sub: 'state + transactional outbox stream per service',
    kind: 'store',
  },
};

const EDGES = [
  ['ui', 'checkout-service', 'REST'],
  ['checkout-service', 'validation-service', 'REST'],
  ['validation-service', 'inventory-cache-service', 'REST'],
  ['checkout-service', 'kafka', 'order.*', -40],
  ['kafka', 'checkout-service', 'stock.*, payment.*', 40],
  ['kafka', 'inventory-cache-service', 'stock.*'],
  ['kafka', 'inventory-service', 'order.created, payment.*', 40, -16],
  ['inventory-service', 'kafka', 'stock.*', -40],
  ['kafka', 'payment-service', 'order.created, stock.reserved', -40, 16],
  ['payment-service', 'kafka', 'payment.*', 40],
  ['kafka', 'notification-service', 'every topic'],
  ['kafka', 'audit-service', 'every topic'],
  ['payment-service', 'payment-gateway-mock', 'REST + retries'],
  ['inventory-service', 'payment-service', 'REST'],
];

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const width = (n) => n.w ?? BOX_W;
const center = (n) => ({ x: n.x + width(n) / 2, y: n.y + BOX_H / 2 });
const FILL = { ext: '#f4f4f4', bus: '#fff4d6', store: '#fde2e2' };

function systemSvg() {
  const out = [
    '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="560" viewBox="0 0 1000 560" font-family="Helvetica, Arial, sans-serif">',
    '<title>Checkout saga: system context</title>',
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    '<rect width="1000" height="560" fill="#ffffff"/>',
  ];
  for (const [from, to, label, dx = 0, dy = 0] of EDGES) {
    const a = center(NODES[from]);
    const b = center(NODES[to]);
    // A service both consuming from and emitting to the bus gets two arrows side by side (dx).
    a.x += dx;
    b.x += dx;
    // Attach to the facing edges: horizontal neighbours side to side, others top to bottom.
    const horizontal = Math.abs(a.y - b.y) < 1;
    const [x1, y1, x2, y2] = horizontal
      ? [NODES[from].x + width(NODES[from]), a.y, NODES[to].x, b.y]
      : [
          from === 'kafka' ? b.x : a.x,
          a.y < b.y ? NODES[from].y + BOX_H : NODES[from].y,
          from === 'kafka' ? b.x : a.x,
          a.y < b.y ? NODES[to].y : NODES[to].y + BOX_H,
        ];
    out.push(
      `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>`,
    );
    const lx = (x1 + x2) / 2 + (horizontal ? 0 : dx < 0 ? -6 : 6);
    const ly = (y1 + y2) / 2 - (horizontal ? 6 : 0) + dy;
    out.push(
      `<text x="${lx}" y="${ly}" font-size="11" fill="#333" text-anchor="${horizontal ? 'middle' : dx < 0 ? 'end' : 'start'}">${esc(label)}</text>`,
    );
  }
  for (const [id, n] of Object.entries(NODES)) {
    const w = width(n);
    out.push(
      `<g id="${id}"><rect x="${n.x}" y="${n.y}" width="${w}" height="${BOX_H}" rx="8" fill="${FILL[n.kind] ?? '#e3efff'}" stroke="#335" stroke-width="1.2"/>` +
        `<text x="${n.x + w / 2}" y="${n.y + 23}" font-size="14" font-weight="bold" text-anchor="middle">${esc(n.label)}</text>` +
        `<text x="${n.x + w / 2}" y="${n.y + 41}" font-size="11" text-anchor="middle" fill="#333">${esc(n.sub)}</text></g>`,
    );
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

module.exports = { systemSvg };
