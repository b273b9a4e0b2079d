// Request and response schemas of the two usage routes (personal and org-wide).
import { Type } from '@sinclair/typebox';
import { MAX_USAGE_DAYS } from './usage.js';

export const UsageQuery = Type.Object(
  { days: Type.Integer({ minimum: 1, maximum: MAX_USAGE_DAYS, default: 30, description: 'How many days back, today included' }) },
  { additionalProperties: false },
);

export const UsageSchema = Type.Object({
  data: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), count: Type.Integer() })),
  lastIps: Type.Array(Type.String(), { description: 'The last five distinct IPs, most recent first' }),
});
