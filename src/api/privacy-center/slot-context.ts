import type { Context } from 'hono';
import type { Locale } from '../../locales/index.ts';
import type { Residence } from '../../domain/residence.ts';
import type { RequestRow } from '../../db/requests.ts';
import type { AppDeps } from '../deps.ts';

// What the Privacy Center's core passes to its extension slots (slots.ts); a module of its own so the extras that
// fill the slots import it without importing slots.ts (no cycle).

export interface FormSlotContext {
  c: Context;
  deps: AppDeps;
  locale: Locale;
  organizationId: string;
  residence: Residence;
  /** The right chosen on the details step. */
  type: string;
  /** What was posted (an error page re-renders the form with it). */
  values: Readonly<Record<string, string>>;
}

export interface StatusSlotContext {
  c: Context;
  deps: AppDeps;
  locale: Locale;
  request: RequestRow;
  /** The status link's token, to build the slot's own form actions under /privacy/status/{token}/... */
  token: string;
}

