/** `app:*` — facts about this running app. */
import type { AppInfo } from '../../shared/api';
import type { CallsOf, HandlerMap, ServiceContext } from './context';

export interface AppIdentity {
  version: string;
  transport: AppInfo['transport'];
  platform?: string;
}

export function createAppHandlers(ctx: ServiceContext, identity: AppIdentity): HandlerMap<CallsOf<'app'>> {
  return {
    'app:info': () => ({
      version: identity.version,
      transport: identity.transport,
      dbPath: ctx.db.path,
      schemaVersion: ctx.db.schemaVersion,
      platform: identity.platform ?? process.platform,
    }),
  };
}
