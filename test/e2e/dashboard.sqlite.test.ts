// The dashboard in a real browser, the way a person uses it: every step is done
// through the UI and checked against the API. One server and one browser for the
// whole file; tests run in order and build on each other (a session of work).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { addMember, createTestApp, createTestOrg, login, OWNER_PASSWORD, request, type Session, type TestApp, type TestOrg } from '../helpers.js';
import { hasChromium, launch, screenshot, seriousViolations, watchConsole } from './browser.js';

let t: TestApp;
let org: TestOrg;
let api: Session;
let browser: Browser;
let page: Page;
let base: string;
let consoleErrors: string[];
const pagesChecked: string[] = [];

/** What /v1/verify says about a token (asked with the owner's own session, never through the UI). */
async function verify(token: string, scope?: string) {
  const res = await request(t, { method: 'POST', url: '/v1/verify', session: api, payload: { token, ...(scope ? { scope } : {}) } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { valid: boolean; code: string; allowed: boolean; scopes: string[]; token: { expiresAt: string | null } | null };
}

/** axe-core on the current page (and whatever dialog is open): no serious or critical violation. */
async function expectAccessible(name: string, on: Page = page) {
  await screenshot(on, name);
  const violations = await seriousViolations(on);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
  pagesChecked.push(name);
}

async function goTo(navItem: string, heading: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: navItem, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** The copy-once dialog: its plaintext, then Done. */
async function takeSecret(title = 'Copy your token'): Promise<string> {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  const value = await dialog.getByRole('textbox', { name: title === 'Copy your token' ? 'Token' : title }).inputValue();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
  return value;
}

/** Presses Tab until the element is focused (keyboard only: no clicks, no focus() calls). */
async function tabTo(target: Locator) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`could not reach ${target.toString()} with Tab`);
}

const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: false }) });

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(path.resolve('web/dist/index.html'))) throw new Error('The dashboard is not built: run `npm run build` (npm install does it).');
    t = await createTestApp({ dashboardDir: path.resolve('web/dist') });
    org = await createTestOrg(t, 'Acme');
    api = await login(t, org.ownerEmail, OWNER_PASSWORD);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    ({ browser, page } = await launch());
    consoleErrors = watchConsole(page);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the built app: no inline script, hashed assets', async () => {
    const html = await (await fetch(`${base}/`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toMatch(/-[\w-]{8}\.js$/);
    expect((await fetch(`${base}${asset}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('sign in: a wrong password shows an alert and stays; the right one opens the tokens page', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible('sign-in');
    await page.getByLabel('Email').fill(org.ownerEmail);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/password|invalid/i);
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await page.getByLabel('Password').fill(OWNER_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Personal access tokens' }).waitFor();
    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(nav).toEqual(['Tokens', 'Service accounts', 'Teams', 'Members', 'Org tokens', 'Audit log', 'Settings']);
    await expectAccessible('tokens');
  });

  it('mint → copy → done with the keyboard alone; the token verifies with exactly the chosen scope and expiry, and leaves the page', async () => {
    await tabTo(page.getByRole('button', { name: 'New token' }));
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New token' });
    await dialog.waitFor();
    await expectAccessible('tokens-new-dialog');
    // Focus starts in Name.
    await page.keyboard.type('ci deploys');
    await tabTo(dialog.getByRole('checkbox', { name: 'issues:read' }));
    await page.keyboard.press('Space');
    await tabTo(dialog.getByLabel('Expiration'));
    await page.keyboard.press('9'); // "90 days"
    expect(await dialog.getByLabel('Expiration').inputValue()).toBe('90d');
    await tabTo(dialog.getByRole('button', { name: 'Create token' }));
    await page.keyboard.press('Enter');
    const copy = page.getByRole('dialog', { name: 'Copy your token' });
    await copy.waitFor();
    await expectAccessible('tokens-copy-dialog');
    const secret = await copy.getByRole('textbox', { name: 'Token' }).inputValue();
    expect(secret).toMatch(/^lk_pat_/);
    await expect.poll(() => copy.textContent()).toContain('will not be shown again');
    await tabTo(copy.getByRole('button', { name: 'Copy' }));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Copied' }).count()).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await tabTo(copy.getByRole('button', { name: 'Done' }));
    await page.keyboard.press('Enter');
    await copy.waitFor({ state: 'detached' });

    expect(await page.content()).not.toContain(secret);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href + document.cookie);
    expect(stored).not.toContain(secret);
    expect(t.log.text).not.toContain(secret);

    const checked = await verify(secret, 'issues:read');
    expect(checked).toMatchObject({ valid: true, allowed: true, scopes: ['issues:read'] });
    const days = (new Date(checked.token!.expiresAt!).getTime() - t.clock.now().getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
    expect((await verify(secret, 'issues:write')).allowed).toBe(false);
    await row('ci deploys').waitFor();
  });

  it('every dialog traps focus and closes with Escape, giving focus back', async () => {
    const opener = page.getByRole('button', { name: 'New token' });
    await opener.click();
    const dialog = page.getByRole('dialog', { name: 'New token' });
    await dialog.waitFor();
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press(i % 7 === 6 ? 'Shift+Tab' : 'Tab');
      expect(await page.evaluate(() => Boolean(document.activeElement?.closest('dialog[open]')))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await opener.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('roll: the old secret is refused, the new one works', async () => {
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session: api, payload: { name: 'rolled one', scopes: ['issues:read'] } });
    const old = minted.json().token as string;
    await page.reload();
    await row('rolled one').getByRole('button', { name: 'Roll' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll token' });
    await expect.poll(() => dialog.textContent()).toContain('stops working at once');
    await expectAccessible('tokens-roll-dialog');
    await dialog.getByRole('button', { name: 'Roll token' }).click();
    const fresh = await takeSecret();
    expect(fresh).not.toBe(old);
    expect((await verify(fresh)).valid).toBe(true);
    expect((await verify(old)).valid).toBe(false);
  });

  it('revoke: the confirmation names what stops working; the token is refused after', async () => {
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session: api, payload: { name: 'doomed', scopes: ['issues:read'] } });
    const { token, prefix } = minted.json() as { token: string; prefix: string };
    await page.reload();
    await row('doomed').getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke token' });
    await expect.poll(() => dialog.textContent()).toContain(`${prefix}… (doomed) will get 401`);
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => row('doomed').getByText('revoked').count()).toBe(1);
    expect(await verify(token)).toMatchObject({ valid: false, code: 'REVOKED' });
  });

  it('token detail: the usage chart of the last 30 days and the last IPs', async () => {
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session: api, payload: { name: 'busy bot', scopes: ['issues:read'] } });
    const token = minted.json().token as string;
    for (const ip of ['203.0.113.7', '203.0.113.8', '203.0.113.7']) await request(t, { method: 'GET', url: '/v1/api-tokens', token, remoteAddress: ip });
    await t.deps.lastUse.flush();
    await page.reload();
    await row('busy bot').getByRole('link', { name: 'busy bot' }).click();
    await page.getByRole('heading', { level: 1, name: 'busy bot' }).waitFor();
    const chart = page.getByRole('img', { name: /Uses per day: 3 uses in the last 30 days/ });
    await chart.waitFor();
    expect(await chart.locator('rect').count()).toBe(30);
    expect(await page.getByRole('list', { name: 'Last IPs' }).getByRole('listitem').allTextContents()).toEqual(['203.0.113.7', '203.0.113.8']);
    await expectAccessible('token-detail');
    await page.goBack();
    await row('busy bot').waitFor();
    await screenshot(page, 'tokens-list');
  });

  it('service accounts: create, issue a token (verifies with its scope), delete (the token dies)', async () => {
    await goTo('Service accounts', 'Service accounts');
    await page.getByText('No service accounts yet.').waitFor();
    await expectAccessible('service-accounts-empty');
    await page.getByRole('button', { name: 'New service account' }).click();
    const dialog = page.getByRole('dialog', { name: 'New service account' });
    await dialog.getByLabel('Name').fill('deployer');
    await dialog.getByRole('checkbox', { name: 'issues:read' }).check();
    await dialog.getByRole('button', { name: 'Create service account' }).click();
    const card = page.getByRole('region', { name: 'deployer' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Issue token' }).click();
    const issue = page.getByRole('dialog', { name: 'Issue token for deployer' });
    await issue.getByLabel('Name').fill('pipeline');
    await issue.getByRole('button', { name: 'Issue token' }).click();
    const secret = await takeSecret();
    expect(await verify(secret, 'issues:read')).toMatchObject({ valid: true, allowed: true, scopes: ['issues:read'] });
    await card.getByRole('rowheader', { name: 'pipeline' }).waitFor();
    await expectAccessible('service-accounts');
    await card.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete service account' });
    await expect.poll(() => confirm.textContent()).toContain('Its 1 active token will be revoked');
    await confirm.getByRole('button', { name: 'Delete service account' }).click();
    await card.waitFor({ state: 'detached' });
    expect((await verify(secret)).valid).toBe(false);
  });

  it('teams: a team token takes a seat and the meter moves', async () => {
    await goTo('Teams', 'Teams');
    const meterText = async () => (await page.locator('.seat-meter').textContent()) ?? '';
    await expect.poll(meterText).toMatch(/\d+ of \d+ seats used/);
    const before = Number(/(\d+) of/.exec(await meterText())![1]);
    expect(await page.getByRole('meter', { name: 'Seats' }).getAttribute('value')).toBe(String(before));
    await page.getByRole('button', { name: 'New team' }).click();
    await page.getByRole('dialog', { name: 'New team' }).getByLabel('Name').fill('platform');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { level: 1, name: 'platform' }).waitFor();
    await page.getByRole('button', { name: 'Issue token' }).click();
    const issue = page.getByRole('dialog', { name: 'Issue token for platform' });
    await issue.getByLabel('Name').fill('ci');
    await issue.getByRole('checkbox', { name: 'issues:read' }).check();
    await issue.getByRole('button', { name: 'Issue token' }).click();
    const secret = await takeSecret();
    expect((await verify(secret)).valid).toBe(true);
    await expect.poll(meterText).toContain(`${before + 1} of`);
    expect(await page.getByRole('meter', { name: 'Seats' }).getAttribute('value')).toBe(String(before + 1));
    await page.getByRole('rowheader', { name: 'ci' }).waitFor();
    await expectAccessible('team-detail');
    await goTo('Teams', 'Teams');
    await expectAccessible('teams');
  });

  it('members: invite shows the link once; suspend and reactivate', async () => {
    const member = await addMember(t, org, 'member');
    await goTo('Members', 'Members');
    await expectAccessible('members');
    await page.getByRole('button', { name: 'Invite member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite member' });
    await dialog.getByLabel('Email').fill('new.person@example.com');
    await dialog.getByRole('button', { name: 'Invite' }).click();
    const link = await takeSecret('Invitation link');
    expect(link).toMatch(new RegExp(`^${base}/accept-invite#token=`));
    // The invited person opens the link in their own browser and joins.
    const guest = await browser.newContext();
    const invited = await guest.newPage();
    const invitedErrors = watchConsole(invited);
    await invited.goto(link);
    await invited.getByRole('heading', { name: 'Accept invitation' }).waitFor();
    await expectAccessible('accept-invite', invited);
    await invited.getByLabel('Your name').fill('New Person');
    await invited.getByLabel('Choose a password').fill('a long enough password');
    await invited.getByRole('button', { name: 'Accept invitation' }).click();
    await invited.getByRole('heading', { level: 1, name: 'Personal access tokens' }).waitFor();
    expect(invited.url()).toBe(`${base}/tokens`);
    expect(invitedErrors).toEqual([]);
    await guest.close();
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'new.person@example.com' }).waitFor();
    const memberRow = page.getByRole('row').filter({ hasText: member.email });
    await memberRow.getByRole('button', { name: 'Suspend' }).click();
    await memberRow.getByRole('button', { name: 'Reactivate' }).waitFor();
    expect((await verify(member.token)).valid).toBe(false);
    await memberRow.getByRole('button', { name: 'Reactivate' }).click();
    await memberRow.getByRole('button', { name: 'Suspend' }).waitFor();
    expect((await verify(member.token)).valid).toBe(true);
  });

  it('org tokens: filters, and a new API key with a role', async () => {
    await goTo('Org tokens', 'Org tokens');
    await page.getByLabel('Kind').selectOption('service');
    await page.getByRole('rowheader', { name: 'pipeline' }).waitFor();
    expect(await page.getByRole('rowheader', { name: 'ci deploys' }).count()).toBe(0);
    await expectAccessible('org-tokens');
    await page.getByRole('button', { name: 'New API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API key' });
    await dialog.getByLabel('Name').fill('integration');
    await dialog.getByLabel('Role').selectOption('viewer');
    await dialog.getByRole('button', { name: 'Create API key' }).click();
    const secret = await takeSecret();
    const roles = await request(t, { method: 'GET', url: '/v1/roles', session: api });
    const viewer = (roles.json().data as { name: string; scopes: string[] }[]).find((role) => role.name === 'viewer')!;
    expect((await verify(secret)).scopes.sort()).toEqual([...viewer.scopes].sort());
    await page.getByRole('rowheader', { name: 'integration' }).waitFor();
  });

  it("audit log: what a token just did shows under the token's name and prefix; export as CSV", async () => {
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session: api, payload: { name: 'automation' } });
    const { token, prefix } = minted.json() as { token: string; prefix: string };
    const made = await request(t, { method: 'POST', url: '/v1/teams', token, payload: { name: 'made by automation' } });
    expect(made.statusCode).toBe(201);
    await goTo('Audit log', 'Audit log');
    await page.getByLabel('Action').fill('team.created');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const eventRow = page.getByRole('row').filter({ hasText: `automation (${prefix}…)` });
    await eventRow.waitFor();
    expect(await eventRow.textContent()).toContain('team.created');
    await expectAccessible('audit-log');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toContain('actor_name');
    expect(csv).toContain(`automation,${prefix},team.created`);
  });

  it('settings: the token policy is saved', async () => {
    await goTo('Settings', 'Settings');
    await page.getByLabel('Maximum lifetime (days)').fill('400');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Saved.').waitFor();
    const saved = await request(t, { method: 'GET', url: '/v1/org', session: api });
    expect(saved.json().policy.maxLifetimeDays).toBe(400);
    await expectAccessible('settings');
  });

  it('revoke all, confirmed by typing the org name', async () => {
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session: api, payload: { name: 'last one', expiresIn: '30d' } });
    await goTo('Tokens', 'Personal access tokens');
    await page.getByRole('button', { name: 'Revoke all' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke all tokens' });
    const confirm = dialog.getByRole('button', { name: 'Revoke all tokens' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type Acme to confirm').fill('Acme');
    await confirm.click();
    await dialog.waitFor({ state: 'detached' });
    expect(await verify(minted.json().token)).toMatchObject({ valid: false, code: 'REVOKED' });
    expect((await verify(org.token)).valid).toBe(false);
    await expect.poll(() => page.getByText('active', { exact: true }).count()).toBe(0);
  });

  it('a 390×844 screen shows the tokens page without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Personal access tokens' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible('tokens-mobile');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('org switch: the header changes org; a plan without the audit log says which plan has it', async () => {
    const created = await request(t, { method: 'POST', url: '/v1/orgs', session: api, payload: { name: 'Beta' } });
    expect(created.statusCode).toBe(201);
    const betaId = created.json().id as string;
    const downgraded = await request(t, { method: 'PATCH', url: '/v1/org', session: { ...api, orgId: betaId }, payload: { plan: 'free' } });
    expect(downgraded.statusCode, downgraded.body).toBe(200);
    await page.reload();
    await page.getByLabel('Organization').selectOption({ label: 'Beta' });
    await page.getByText('You have no personal access tokens yet.').waitFor();
    await goTo('Audit log', 'Audit log');
    await expect.poll(() => page.getByRole('note').textContent()).toMatch(/not part of your plan.*part of the pro, apex plans/s);
    await expectAccessible('audit-plan-gated');
    await page.getByLabel('Organization').selectOption({ label: 'Acme' });
    await goTo('Tokens', 'Personal access tokens');
    await row('ci deploys').waitFor();
  });

  it('signs out, and no console error happened', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(consoleErrors).toEqual([]);
    expect(pagesChecked.length).toBeGreaterThanOrEqual(15);
  });
});
