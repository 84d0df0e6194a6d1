/** The Privacy Center's limits (docs/privacy-center.md "Abuse"); each has a default. Its own module: AppDeps imports it. */
export interface PrivacyCenterSettings {
  /** Form submissions per client address (default 10 per 10 minutes). */
  addressLimit?: { limit: number; windowMs: number; trustProxy?: boolean };
  /** Submissions per email address (default 3 per hour). */
  emailLimit?: { limit: number; windowMs: number };
  /** Open requests one email address may have with one organization (default 3). */
  maxOpenPerEmail?: number;
  /** The proof-of-work challenge (challenge.ts). */
  challenge?: { bits?: number; minWaitMs?: number; maxAgeMs?: number };
}
