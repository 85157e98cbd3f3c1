// The contract of attaching to a container's stdio, shared by the front ends
// (the CLI's terminal, the API's hijacked streams), the services that attach
// (engine/), and the runtime that does it through conmon (runtime/attach.ts):
// here, below all of them, so that front ends never import runtime/.

/** The streams an attachment relays. */
export interface AttachIO {
  /** relayed to the container's stdin; its end shuts our side down (SHUT_WR) */
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Attachment {
  /** resolves when conmon closes the socket (the container exited) or on detach() */
  done: Promise<void>;
  /** leaves the container running: stops relaying and closes the socket */
  detach(): void;
}
