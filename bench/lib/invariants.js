'use strict';
// The contract's invariants after the run: no oversell, no double charge, every order terminal.
const { getJson, request, mapLimit } = require('./http');

async function checkInvariants({ urls, totalsBefore, orders, agent, onProgress }) {
  const problems = [];
  const { items } = await getJson(`${urls.inventory}/inventory`);
  let reserved = 0;
  for (const i of items) {
    reserved += i.reserved;
    if (i.available < 0) problems.push(`${i.productId}: available ${i.available} < 0`);
    const expected = totalsBefore[i.productId];
    const total = i.available + i.reserved + i.sold;
    if (expected !== undefined && total !== expected)
      problems.push(`${i.productId}: available+reserved+sold = ${total}, seeded ${expected}`);
  }

  let checked = 0;
  let doubleCharges = 0;
  let confirmedWithoutCharge = 0;
  let chargeReadErrors = 0;
  await mapLimit(orders, 32, async (o) => {
    const res = await request(`${urls.gateway}/v1/charges?orderId=${encodeURIComponent(o.orderId)}`, { agent });
    if (++checked % 500 === 0) onProgress?.(`[bench] invariants: charges of ${checked}/${orders.length} orders`);
    if (res.status !== 200) return void chargeReadErrors++;
    const authorized = (res.json().items ?? []).filter((c) => c.status === 'authorized').length;
    if (authorized > 1) doubleCharges++;
    if (o.status === 'CONFIRMED' && authorized !== 1) confirmedWithoutCharge++;
  });
  if (doubleCharges) problems.push(`${doubleCharges} orders with more than one authorized charge`);
  if (confirmedWithoutCharge)
    problems.push(`${confirmedWithoutCharge} CONFIRMED orders without exactly one authorized charge`);
  if (chargeReadErrors) problems.push(`${chargeReadErrors} GET /v1/charges failed`);
  const notTerminal = orders.filter((o) => o.status !== 'CONFIRMED' && o.status !== 'FAILED').length;
  if (notTerminal) problems.push(`${notTerminal} accepted orders never reached CONFIRMED or FAILED`);
  return {
    ok: problems.length === 0,
    problems,
    ordersChecked: orders.length,
    products: items.length,
    reservedLeft: reserved,
    doubleCharges,
    notTerminal,
  };
}

module.exports = { checkInvariants };
