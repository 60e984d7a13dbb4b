export {
  type AppRow,
  assertKnownChannel,
  type CreatedApp,
  createMerchantApp,
  DEFAULT_HANDOFF_TTL_SEC,
  DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC,
  findAppByKey,
  getApp,
  identitySecretOf,
} from './apps';
export { appSettingsRouter } from './routes';
export { apps } from './schema';
