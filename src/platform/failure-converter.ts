import { DefaultFailureConverter } from '@temporalio/common';

// Loaded by path (DataConverter.failureConverterPath), inside the workflow bundle too: a failure's message and stack
// trace go into an encoded attribute, which the payload codec encrypts; Temporal keeps "Encoded failure" in clear.
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
