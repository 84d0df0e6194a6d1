// @temporalio/common is what @temporalio/workflow is built on (deterministic); the key helper is not re-exported.
import { defineSearchAttributeKey } from '@temporalio/common';

// What operators filter on in the Temporal Web UI. Ids and decisions only: never a name or an email.
export const dsrType = defineSearchAttributeKey('DsrType', 'KEYWORD');
export const dsrRegulation = defineSearchAttributeKey('DsrRegulation', 'KEYWORD');
export const dsrStatus = defineSearchAttributeKey('DsrStatus', 'KEYWORD');
export const dsrOrganization = defineSearchAttributeKey('DsrOrganization', 'KEYWORD');
export const dsrDueAt = defineSearchAttributeKey('DsrDueAt', 'DATETIME');
export const dsrOverdue = defineSearchAttributeKey('DsrOverdue', 'BOOL');
export const dsrExtended = defineSearchAttributeKey('DsrExtended', 'BOOL');

export const SEARCH_ATTRIBUTES = [dsrType, dsrRegulation, dsrStatus, dsrOrganization, dsrDueAt, dsrOverdue, dsrExtended];
