// Drill: zone a lost. Every twin container in zone a's subnet (10.0.2.0/24: its HAProxy, the old
// primary, its app instance) killed at once while shoppers read through the ALB. Once the ALB and
// the NLB have marked zone a's targets unhealthy (their health checks, from the template), reads
// answer through zone b (its app instance, its HAProxy, the promoted writer), and so does a checkout.
import assert from 'node:assert/strict';
import { ELB_IP, waitUnhealthy } from '../elb.ts';
import { docker } from '../twin.ts';
import { buyOne, loop, publishBook, register, tally } from '../shopper.ts';
import { BASE, type Stack } from '../topology.ts';

export async function zoneALost(stack: Stack) {
  const seller = await register(BASE, stack.ca, 'Zeno Zone');
  const book = await publishBook(seller, { title: 'Mind of My Mind', price: '6.00', stock: '100' });
  seller.close();
  const shopper = await register(BASE, stack.ca, 'Zoe Zone');
  const running = (await docker('ps', '--format', '{{.Names}}')).split('\n');
  const zoneA = stack.instances.filter((i) => i.ip.startsWith('10.0.2.') && running.includes(i.container)).map((i) => i.container);
  assert.ok(zoneA.includes('awstwin-haproxy-a') && zoneA.some((c) => c.includes('app-')), `zone a has a HAProxy and an app instance: ${zoneA}`);
  const reads = loop(2, async () => {
    const res = await shopper.get(`/book/${book.id}`);
    return { what: 'GET book', status: res.status, instance: String(res.headers['x-instance']) };
  });
  await new Promise((r) => setTimeout(r, 1000));
  const lostAt = Date.now();
  await docker('kill', ...zoneA);
  const appA = stack.instances.find((i) => zoneA.includes(i.container) && i.name === 'app')!.container.replace('awstwin-', '');
  await waitUnhealthy('app', appA);
  await waitUnhealthy('nlb', 'haproxy-a');
  const convergedAt = Date.now();
  await new Promise((r) => setTimeout(r, 5000));
  const outcomes = await reads.stop();
  const settled = outcomes.filter((o) => o.at > convergedAt);
  assert.ok(settled.length > 10, 'reads went on after the health checks converged');
  assert.deepEqual(tally(settled).statuses, { 200: settled.length }, 'every read answered once zone a was marked unhealthy');
  assert.deepEqual(Object.keys(tally(settled).instances), ['i-awstwin-app-b2'], 'answered by zone b');
  const bought = await buyOne(shopper, book.id);
  assert.equal(bought.status, 302, 'a checkout goes through zone b to the writer');
  shopper.close();
  return {
    killed: zoneA,
    convergedInSeconds: Math.round((convergedAt - lostAt) / 1000),
    whileConverging: tally(outcomes.filter((o) => o.at <= convergedAt)).statuses,
    afterwards: tally(settled).statuses,
    via: `ALB ${ELB_IP}`,
  };
}
