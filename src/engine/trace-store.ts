// Port: where live job logs live. Implemented by artifacts/ (filesystem, shared volume for
// several nodes) and wired in server/. Append-only: a write at an offset other than the current
// length is refused by the engine before it reaches here.
export interface TraceStore {
  /** Current length in bytes (0 when there is no trace yet). */
  size(jobId: number): Promise<number>;
  /** Appends `data` at `offset`; returns the new length. A wrong offset: range_not_satisfiable + { length }. */
  append(jobId: number, offset: number, data: Buffer): Promise<number>;
  /** Bytes [start, end) of the trace; end defaults to the current length. */
  read(jobId: number, start?: number, end?: number): Promise<Buffer>;
  /** A readable stream of the whole trace, for downloads. */
  stream(jobId: number, start?: number): NodeJS.ReadableStream;
  remove(jobId: number): Promise<void>;
}
