// Drills: app instances replaced under a mixed GET/POST load through the ALB, as the Auto Scaling
// Group's rolling update does it (maxBatchSize 1, two always in service): a new release is a new
// launch template version; an instance of it is launched, boots its user data, signals and is
// registered healthy; then an old instance is taken out as the group takes one out (deregistered,
// the deregistration delay waited, stopped). Twice. Not one request may fail: the first take-out
// is the scale-in drill, the whole is the rollout drill.
import assert from 'node:assert/strict';
import { buyOne, loop, type Outcome, publishBook, register, type Shopper, tally } from '../shopper.ts';
import { BASE, container, exec, repackRelease, type Stack } from '../topology.ts';

const ok = (o: Outcome) => (o.what === 'buy' ? o.status === 302 : o.status === 200);
const failures = (outcomes: Outcome[]) => outcomes.filter((o) => !ok(o)).map((o) => `${o.what} ${o.status} (${o.instance}) ${o.error ?? ''}`);

export async function rollingUpdate(stack: Stack, releaseTarball: string) {
  const seller = await register(BASE, stack.ca, 'Rita Rollout');
  const books = [(await publishBook(seller, { title: 'Lilith\u2019s Brood', price: '11.00', stock: '5000' })).id, (await publishBook(seller, { title: 'Fledgling', price: '8.00', stock: '5000' })).id];
  const buyers: Shopper[] = [await register(BASE, stack.ca, 'Rolling Buyer 1'), await register(BASE, stack.ca, 'Rolling Buyer 2')];
  const before = (await exec(container('app-a1'), 'readlink', '/opt/bookstore/current')).trim();
  stack.newRelease(repackRelease(releaseTarball, stack.dir, 'the twin\u2019s rollout release'));

  let phase = 'launch app-a2';
  const paths = ['/book/catalog', `/book/${books[0]}`, '/', `/book/catalog?q=fledgling`];
  const load = loop(4, async (w, i) => {
    const label = phase;
    if (w >= 2) return { what: 'buy', phase: label, ...(await buyOne(buyers[w - 2]!, books[i % 2]!)) };
    const path = paths[(w + i) % paths.length]!;
    const res = await seller.get(path);
    return { what: `GET ${path}`, phase: label, status: res.status, instance: String(res.headers['x-instance']) };
  });
  const launched = [await stack.launchApp('app-a2')];
  phase = 'take out app-a1';
  await stack.takeOutApp('app-a1');
  phase = 'launch app-b2';
  launched.push(await stack.launchApp('app-b2'));
  phase = 'take out app-b1';
  await stack.takeOutApp('app-b1');
  phase = 'after';
  await new Promise((r) => setTimeout(r, 3000));
  const outcomes = await load.stop();
  for (const s of [seller, ...buyers]) s.close();
  const labelled = (p: string) => outcomes.filter((o) => o.phase === p);
  const scaleIn = labelled('take out app-a1');

  const after = (await exec(container('app-a2'), 'readlink', '/opt/bookstore/current')).trim();
  assert.notEqual(after, before, 'the new instances run another release');
  assert.equal((await exec(container('app-b2'), 'readlink', '/opt/bookstore/current')).trim(), after);
  for (const i of launched) assert.ok(i.userData.includes(`/${after.split('/').pop()}.gz'`), `${i.container} booted the launch template version of the new release`);

  assert.match(await exec(container('app-b2'), 'cat', '/opt/bookstore/current/RELEASE'), /rollout release/);
  assert.ok(scaleIn.length > 20, `a real load while app-a1 was taken out (${scaleIn.length} requests)`);
  assert.deepEqual(failures(scaleIn), [], 'not one request failed while app-a1 was taken out');
  assert.deepEqual(failures(outcomes), [], 'not one request failed during the rollout');
  const served = new Set(labelled('after').map((o) => o.instance));
  assert.deepEqual([...served].sort(), ['i-awstwin-app-a2', 'i-awstwin-app-b2'], 'the new instances serve, the old ones do not');
  return { scaleIn: tally(scaleIn), rollout: tally(outcomes), release: after, launched };
}
