// One error type for the domain: a stable `code` the API maps to a status, and a message free of personal data.

export class DomainError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
