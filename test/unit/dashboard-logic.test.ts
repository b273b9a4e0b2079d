// The dashboard's client logic that is cheaper to test here than in a browser:
// relative times, the expiry presets, CSV export, the confirmation sentences.
import { describe, expect, it } from 'vitest';
import { exactTime, relativeTime } from '../../web/src/lib/time.js';
import { allowedChoices, expiryBody } from '../../web/src/lib/expiry.js';
import { auditCsv, csvField, parseJsonLines, type AuditRow } from '../../web/src/lib/csv.js';
import { describeSeconds, revokeConsequence, rollConsequence } from '../../web/src/lib/words.js';

const now = new Date('2030-06-15T12:00:00.000Z');

describe('relative times', () => {
  it.each([
    ['2030-06-15T11:59:30.000Z', 'just now'],
    ['2030-06-15T11:55:00.000Z', '5 minutes ago'],
    ['2030-06-15T09:00:00.000Z', '3 hours ago'],
    ['2030-06-14T12:00:00.000Z', 'yesterday'],
    ['2030-06-12T12:00:00.000Z', '3 days ago'],
    ['2030-07-15T12:00:00.000Z', 'next month'],
    ['2030-06-25T12:00:00.000Z', 'in 10 days'],
    ['2028-06-15T12:00:00.000Z', '2 years ago'],
    ['2030-07-06T12:00:00.000Z', 'in 3 weeks'],
  ])('%s is "%s"', (iso, text) => {
    expect(relativeTime(iso, now)).toBe(text);
  });

  it('the exact time is UTC to the second', () => {
    expect(exactTime('2030-01-31T14:05:09.123Z')).toBe('2030-01-31 14:05:09 UTC');
    expect(exactTime('garbage')).toBe('garbage');
  });
});

describe('expiry presets', () => {
  it('presets go as expiresIn, Never as null', () => {
    expect(expiryBody('never', '', now)).toEqual({ ok: true, body: { expiresIn: null } });
    expect(expiryBody('7d', '', now)).toEqual({ ok: true, body: { expiresIn: '7d' } });
    expect(expiryBody('1y', '', now)).toEqual({ ok: true, body: { expiresIn: '1y' } });
  });

  it('a custom date is the end of that UTC day and must be in the future', () => {
    expect(expiryBody('custom', '2030-07-01', now)).toEqual({ ok: true, body: { expiresAt: '2030-07-01T23:59:59.000Z' } });
    expect(expiryBody('custom', '2030-06-15', now)).toEqual({ ok: true, body: { expiresAt: '2030-06-15T23:59:59.000Z' } });
    expect(expiryBody('custom', '2030-06-14', now)).toMatchObject({ ok: false, message: expect.stringContaining('future') });
    expect(expiryBody('custom', '', now)).toMatchObject({ ok: false });
    expect(expiryBody('custom', '2030-13-45', now)).toMatchObject({ ok: false });
  });

  it('the policy rules out Never when an expiry is required, and presets longer than the cap', () => {
    expect([...allowedChoices(undefined)]).toEqual(['never', '7d', '30d', '90d', '1y', 'custom']);
    expect([...allowedChoices({ requireExpiry: true, maxLifetimeDays: null })]).toEqual(['7d', '30d', '90d', '1y', 'custom']);
    expect([...allowedChoices({ requireExpiry: false, maxLifetimeDays: 60 })]).toEqual(['7d', '30d', 'custom']);
  });
});

describe('audit CSV export', () => {
  const event: AuditRow = {
    id: 'evt_1',
    createdAt: '2030-06-15T12:00:00.000Z',
    actor: { type: 'token', id: 'tok_1', name: 'ci, "nightly"', prefix: 'lk_pat_3fKq' },
    action: 'token.used',
    target: { type: 'token', id: 'tok_1' },
    requestId: null,
    ip: '10.0.0.1',
    userAgent: '=HYPERLINK("x")',
  };

  it('quotes commas and quotes, and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    const csv = auditCsv([event]);
    const [header, row] = csv.split('\r\n');
    expect(header).toBe('id,time,actor_type,actor_id,actor_name,actor_prefix,action,target_type,target_id,ip,user_agent,request_id');
    expect(row).toBe(`evt_1,2030-06-15T12:00:00.000Z,token,tok_1,"ci, ""nightly""",lk_pat_3fKq,token.used,token,tok_1,10.0.0.1,"'=HYPERLINK(""x"")",`);
  });

  it('reads the API’s JSON lines export', () => {
    expect(parseJsonLines(`${JSON.stringify(event)}\n\n${JSON.stringify({ ...event, id: 'evt_2' })}\n`).map((e) => e.id)).toEqual(['evt_1', 'evt_2']);
  });
});

describe('confirmation sentences', () => {
  it('say what stops working', () => {
    expect(revokeConsequence({ name: 'CI', prefix: 'lk_pat_3fKq' })).toBe('Anything using lk_pat_3fKq… (CI) will get 401 from its next request. This cannot be undone.');
    expect(rollConsequence({ prefix: 'lk_pat_3fKq' }, 0)).toContain('stops working at once');
    expect(rollConsequence({ prefix: 'lk_pat_3fKq' }, 3600)).toContain('keeps working for 1 hour');
    expect(describeSeconds(300)).toBe('5 minutes');
    expect(describeSeconds(86_400)).toBe('24 hours');
    expect(describeSeconds(61)).toBe('61 seconds');
  });
});
