/**
 * What the extension keeps in Secret Storage: the local API's token, the secrets header references
 * use, the proxy's credentials, and the alert channels (a webhook's address is its credential).
 * Each has its controller; these commands only hand it their arguments.
 */
import type * as vscode from 'vscode';
import type { ApiController } from '../api/apiController';
import type { EntryApprovals } from '../config/entryApprovals';
import type { ProxyConfiguration } from '../config/proxyConfiguration';
import type { TargetConfiguration } from '../config/targetConfiguration';
import type { AddAlertChannelArguments, AlertChannelController } from '../notifications/alertChannelController';
import { ownArgumentsOrRefuse } from './commandArguments';
import { CommandId } from './commandIds';
import { commandRegistrar, type CommandBasics } from './commandRunner';
import type { SecretCommands, StoreSecretArguments } from './secretCommands';

export interface CredentialCommandServices extends CommandBasics {
  /** Store, manage and delete the secrets header references use. */
  secretCommands: SecretCommands;
  /** Owns the API token (made on first use, kept in SecretStorage) and the server. */
  api: ApiController;
  /** The proxy the checks go through, and its credentials in Secret Storage. */
  proxy: ProxyConfiguration;
  /** Where alerts are posted besides the editor. */
  alertChannels: AlertChannelController;
  /** The user's approvals of workspace entries that may not run on their own. */
  approvals: EntryApprovals;
  /** Which workspace entries wait for approval. */
  targets: TargetConfiguration;
}

/** The approval key a command was given: a key itself, or a held entry of the tree. */
function approvalKeyOf(argument: unknown): string | undefined {
  if (typeof argument === 'string') return argument;
  const held = (argument as { held?: { approval?: { key?: unknown } } } | undefined)?.held;
  return typeof held?.approval?.key === 'string' ? held.approval.key : undefined;
}

export function registerCredentialCommands(services: CredentialCommandServices): vscode.Disposable[] {
  const { secretCommands, api, proxy, alertChannels, approvals, targets } = services;
  const register = commandRegistrar(services);

  function copyApiToken(): Promise<void> {
    return api.copyToken();
  }

  return [
    register(CommandId.CopyApiToken, copyApiToken),
    register(CommandId.RotateApiToken, () => api.rotateToken()),
    register(CommandId.StoreSecret, (args?: StoreSecretArguments) =>
      secretCommands.store(ownArgumentsOrRefuse(CommandId.StoreSecret, args)),
    ),
    register(CommandId.ManageSecrets, () => secretCommands.manage()),
    register(CommandId.DeleteSecret, (name?: string) => secretCommands.delete(typeof name === 'string' ? name : undefined)),
    register(CommandId.ApproveWorkspaceTarget, (argument?: unknown) =>
      approvals.approve(targets.pendingApprovals(), approvalKeyOf(argument)),
    ),
    register(CommandId.SetProxyCredentials, (args?: { username: string; password: string; origin?: string }) =>
      proxy.setCredentials(ownArgumentsOrRefuse(CommandId.SetProxyCredentials, args)),
    ),
    register(CommandId.AddAlertChannel, (args?: AddAlertChannelArguments) =>
      alertChannels.add(ownArgumentsOrRefuse(CommandId.AddAlertChannel, args)),
    ),
    register(CommandId.RemoveAlertChannel, (args?: { name: string }) =>
      alertChannels.remove(ownArgumentsOrRefuse(CommandId.RemoveAlertChannel, args)?.name),
    ),
    register(CommandId.SendTestAlert, () => alertChannels.sendTest()),
  ];
}
