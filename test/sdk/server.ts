// SDK tests talk to a real server over real HTTP: a test app listening on a free
// loopback port.
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp, type TestAppOptions } from '../helpers.js';

export interface ListeningApp extends TestApp {
  baseUrl: string;
}

export async function listeningApp(options: TestAppOptions = {}): Promise<ListeningApp> {
  const t = await createTestApp(options);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return Object.assign(t, { baseUrl: `http://127.0.0.1:${port}` });
}
