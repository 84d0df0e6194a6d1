export { rightsRequest } from './rights-request.ts';
