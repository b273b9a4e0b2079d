// Global setup of the `sqlite` test project. Each test app makes its own SQLite
// file, so there is nothing to prepare; this only says when PostgreSQL or the
// browser suite is left out.
import { TEST_DATABASE_URL_VARIABLE } from '../postgres.js';
import { CHROMIUM_PATH, hasChromium } from '../e2e/browser.js';

export default function setup(): void {
  if (!process.env[TEST_DATABASE_URL_VARIABLE]) {
    console.log(`PostgreSQL run skipped: ${TEST_DATABASE_URL_VARIABLE} is not set (set it to a postgres:// URL to run the suite on PostgreSQL as well).`);
  }
  if (!hasChromium) {
    console.log(`Browser suite skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set LATCHKEY_CHROMIUM).`);
  }
}
