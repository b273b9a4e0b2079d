// A webhook delivery survives a crash: the receiver fails the first attempt, the
// server is killed (kill -9) while the delivery waits for its retry, and after a
// restart on the same data the retry succeeds: signed, same event id, accepted
// exactly once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifySignature } from '../../src/webhooks/signing.js';
import { initServer, serverData, ServerProcess, type ServerData } from '../server-process.js';
import { WebhookReceiver } from '../webhook-receiver.js';

let data: ServerData;
let ownerToken: string;
let server: ServerProcess;
let receiver: WebhookReceiver;

beforeAll(async () => {
  data = await serverData(
    { webhooks: { allowPrivateNetworks: true, retryBaseMs: 2_000, retryMaxMs: 2_000, pollIntervalMs: 100, timeoutMs: 5_000 } },
    { LATCHKEY_SWEEP_INTERVAL: '0' },
  );
  ownerToken = await initServer(data);
  receiver = await new WebhookReceiver().start();
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await data?.remove();
});

/** Polls (no timing is asserted) until `check` holds. */
async function until(what: string, check: () => Promise<boolean> | boolean, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('retries after a restart mid-retry and delivers once, signed', { timeout: 300_000 }, async () => {
  server = await new ServerProcess(data).start();
  receiver.status = 500;
  const hook = await server.call('POST', '/v1/webhooks', ownerToken, { url: receiver.url('/restart'), events: ['team.created'] });
  expect(hook.status).toBe(201);
  const { id: hookId, secret } = hook.body as { id: string; secret: string };
  expect((await server.call('POST', '/v1/teams', ownerToken, { name: 'crashers' })).status).toBe(201);

  const deliveries = async () => (await server.call('GET', `/v1/webhooks/${hookId}/deliveries`, ownerToken)).body.data as { status: string; attempts: number; eventId: string }[];
  await until('the first attempt failed and was recorded', async () => (await deliveries())[0]?.attempts === 1);
  expect((await deliveries())[0]).toMatchObject({ status: 'pending', attempts: 1 });
  await server.kill9();

  receiver.status = 200;
  server = await new ServerProcess(data).start();
  await until('the retry was delivered', async () => (await deliveries())[0]?.status === 'delivered');
  const [delivery] = await deliveries();
  expect(delivery!.attempts).toBeGreaterThanOrEqual(2);

  expect(receiver.accepted).toHaveLength(1);
  expect(receiver.received.length).toBe(delivery!.attempts);
  const now = Math.floor(Date.now() / 1000);
  for (const got of receiver.received) {
    expect(got.headers['latchkey-event-id']).toBe(delivery!.eventId);
    expect(got.body).toBe(receiver.received[0]!.body);
    expect(verifySignature(secret, String(got.headers['latchkey-signature']), got.body, now)).toBe(true);
  }
  expect(JSON.parse(receiver.accepted[0]!.body)).toMatchObject({ id: delivery!.eventId, type: 'team.created', data: { name: 'crashers' } });
});
