export { rightsRequest } from './rights-request.ts';
export { scheduledErasure } from './scheduled-erasure.ts';
export { deletionPush } from './deletion-push.ts';
export { destinationDelivery } from './destinations.ts';
export { suppressionLift } from './suppression.ts';
export { recordedRequestsSweep } from './sweep.ts';
export { appeal } from './appeal.ts';
export { identityDocumentNotice } from './subject-notice.ts';
