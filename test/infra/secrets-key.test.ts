/**
 * The secrets key (issue 20): rotation on, and a key policy under which only the admin and worker
 * roles can create or decrypt data keys, only under Hookline's encryption context.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { asArray, loadSynth, type Statement, type Synth, SYNTH_TIMEOUT_MS } from './support.js';

let synth: Synth;
beforeAll(async () => {
  synth = await loadSynth('configured');
}, SYNTH_TIMEOUT_MS);

const USE_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:CreateGrant', 'kms:*'];

describe('secrets key', () => {
  it('is customer managed, rotated and retained', () => {
    const key = synth.resource('SecretsKey/Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('only the admin and worker roles may generate and decrypt data keys, under the encryption context', () => {
    const statements = (synth.props('SecretsKey/Key').KeyPolicy as { Statement: Statement[] }).Statement;
    const users = statements.filter((s) => s.Effect === 'Allow' && asArray(s.Action).some((a) => USE_ACTIONS.includes(a)));
    expect(users).toHaveLength(1);
    const [use] = users as [Statement];
    expect(asArray(use.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    const principals = asArray((use.Principal as { AWS: unknown }).AWS);
    expect(principals).toEqual([synth.getAtt('Admin/Role'), synth.getAtt('Delivery/Worker/Role')]);
    expect(use.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:purpose': 'hookline-subscription-secrets' } });
  });

  it('the account administers the key without using it', () => {
    const statements = (synth.props('SecretsKey/Key').KeyPolicy as { Statement: Statement[] }).Statement;
    const root = statements.filter((s) => JSON.stringify(s.Principal).includes(':root'));
    expect(root).toHaveLength(1);
    expect(asArray(root[0]!.Action)).toContain('kms:PutKeyPolicy');
    for (const action of asArray(root[0]!.Action)) expect(USE_ACTIONS).not.toContain(action);
  });

  it('admin and worker get the key ARN; the receiver does not', () => {
    const env = (path: string) => (synth.props(path).Environment as { Variables: Record<string, unknown> }).Variables;
    const arn = synth.getAtt('SecretsKey/Key');
    expect(env('Admin/Function').SECRETS_KEY_ARN).toEqual(arn);
    expect(env('Delivery/Worker/Function').SECRETS_KEY_ARN).toEqual(arn);
    expect(env('Receiver/Function').SECRETS_KEY_ARN).toBeUndefined();
  });
});
