/**
 * A real send failure from fauxqs: while `refusing()` is true, every SendMessageBatch of `client`
 * goes to a queue that does not exist, so the engine itself refuses it.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';

export function refuseSendsWhile(client: SQSClient, refusing: () => boolean): void {
  client.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: { QueueUrl?: string } }) => {
      if (refusing() && context.commandName === 'SendMessageBatchCommand') args.input.QueueUrl = `${args.input.QueueUrl}-missing`;
      return next(args);
    }) as never,
    { step: 'initialize', name: 'refuseSends' },
  );
}
