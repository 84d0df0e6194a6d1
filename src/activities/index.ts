import { createSweepActivities } from './sweep.ts';
import { createAppealActivities } from './appeals.ts';
import type { ActivityDeps } from './deps.ts';
import { createDeletionTableActivities } from './deletion-push.ts';
import { createDestinationActivities } from './destinations/index.ts';
import { createSuppressionActivities } from './suppression/index.ts';
import { createRectificationActivities } from './rectification/index.ts';
import { createErasureActivities } from './erasure/index.ts';
import { createExportActivities } from './export/index.ts';
import { createNotificationActivities } from './notifications.ts';
import { createTransitionActivities } from './transitions.ts';

// The worker and the tests build the activities from here.
export type { ActivityDeps };

/** Every side effect the workflows may ask for, closing over injected dependencies (tests pass real test servers). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createTransitionActivities(deps),
    ...createNotificationActivities(deps),
    ...createAppealActivities(deps),
    ...createErasureActivities(deps),
    ...createDeletionTableActivities(deps),
    ...createDestinationActivities(deps),
    ...createSuppressionActivities(deps),
    ...createSweepActivities(deps),
    ...createRectificationActivities(deps),
    ...createExportActivities({
      ...deps,
      ...(deps.exportFormats ? { defaultFormats: deps.exportFormats } : {}),
      ...(deps.exportRowLimits ? { rowLimits: deps.exportRowLimits } : {}),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
