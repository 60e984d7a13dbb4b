export {
  type AppRow,
  assertKnownChannel,
  type CreatedApp,
  canonicalZone,
  createMerchantApp,
  DEFAULT_APP_TIME_ZONE,
  DEFAULT_HANDOFF_TTL_SEC,
  DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC,
  DEFAULT_PHONE_REGION,
  DEFAULT_ROTATION_OVERLAP_SEC,
  findAppByKey,
  getApp,
  identitySecretOf,
  previousIdentitySecretsOf,
  rotateCredential,
  setAppLanguage,
  toAppAnswer,
  updateMerchantApp,
} from './apps';
export { appSettingsRouter } from './routes';
export { apps } from './schema';
