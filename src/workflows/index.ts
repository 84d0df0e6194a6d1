export { rightsRequest } from './rights-request.ts';
export { scheduledErasure } from './scheduled-erasure.ts';
export { deletionPush } from './deletion-push.ts';
