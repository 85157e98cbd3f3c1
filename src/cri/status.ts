// Errors at the gRPC wire, translated once, as containerd's errdefs.ToGRPC does:
// the kinds containerd has keep their code, anything else is Unknown (what
// containerd answers for errors it does not classify).
import { status } from '@grpc/grpc-js';
import { StowageError, type ErrorKind } from '../errdefs';

const CODES: Partial<Record<ErrorKind, status>> = {
  'not-found': status.NOT_FOUND,
  'already-exists': status.ALREADY_EXISTS,
  'invalid-argument': status.INVALID_ARGUMENT,
  'failed-precondition': status.FAILED_PRECONDITION,
  unavailable: status.UNAVAILABLE,
  'not-implemented': status.UNIMPLEMENTED,
};

/** An error with the gRPC code it must be answered with. */
export class CriError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

/** containerd's wording for errors it does not classify (gRPC Unknown). */
export const unknown = (message: string) => new CriError(status.UNKNOWN, message);
export const deadlineExceeded = (message: string) => new CriError(status.DEADLINE_EXCEEDED, message);
export const criNotFound = (message: string) => new CriError(status.NOT_FOUND, message);

export function grpcStatus(err: unknown): { code: status; details: string } {
  if (err instanceof CriError) return { code: err.code, details: err.message };
  if (err instanceof StowageError) return { code: CODES[err.kind] ?? status.UNKNOWN, details: err.message };
  return { code: status.UNKNOWN, details: err instanceof Error ? err.message : String(err) };
}
