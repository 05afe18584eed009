/** Operator alerts (an endpoint about to be, or just, disabled) to the SNS alert topic. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertPublisher } from '../../core/ports.js';
import { mapErrors } from '../errors.js';

export interface SnsAlertPublisherOptions {
  client: SNSClient;
  topicArn: string;
}

export class SnsAlertPublisher implements AlertPublisher {
  constructor(private readonly options: SnsAlertPublisherOptions) {}

  async publish(alert: Parameters<AlertPublisher['publish']>[0]): Promise<void> {
    await mapErrors('sns', 'Publish', () =>
      this.options.client.send(
        new PublishCommand({
          TopicArn: this.options.topicArn,
          // SNS subjects: ≤ 100 printable ASCII characters.
          Subject: alert.subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
          Message: alert.message,
          MessageAttributes: {
            kind: { DataType: 'String', StringValue: alert.kind },
            subscriptionId: { DataType: 'String', StringValue: alert.subscriptionId },
          },
        }),
      ),
    );
  }
}
