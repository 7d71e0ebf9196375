import type { Browser } from 'playwright-core';
import { phonePage } from './browser';
import { outputs } from './cloud';
import { linkFromOutbox, newDispatcher, newOrg, openInvite } from './invites';

/**
 * A dispatcher of a new organisation sends an invite; the caller opens its link on a phone page,
 * agrees to stream, and waits for a viewer: the starting point of the "show me" live tests.
 */
export async function streamingCaller(browser: Browser, reference: string) {
  const org = await newOrg();
  const dispatcher = await newDispatcher(org.orgId);
  const { invite, phoneNumber } = await openInvite(dispatcher, `${reference}-${Date.now()}`);
  const { link } = await linkFromOutbox(phoneNumber);
  const phone = await phonePage(browser, outputs.webUrl);
  await phone.context.grantPermissions(['camera', 'microphone'], { origin: outputs.webUrl });
  await phone.page.goto(link);
  await phone.page.getByTestId('consent-live').click();
  await phone.page.locator('[data-testid=live-status][data-state=waiting]').waitFor({ timeout: 20_000 });
  return { dispatcher, invite, phone };
}
