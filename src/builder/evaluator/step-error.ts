import { WharfError } from '../../errdefs/index.js';

/**
 * A build step that failed with a status Docker reports: a RUN whose command exited non-zero
 * (`The command '/bin/sh -c false' returned a non-zero code: 1`). `code` is the exit code, sent
 * as `errorDetail.code` on the wire (moby's jsonmessage.JSONError).
 */
export class BuildStepError extends WharfError {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super('InvalidArgument', message);
  }
}
