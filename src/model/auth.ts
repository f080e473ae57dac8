/**
 * The sign-in providers' variables (config/initializers/3_omniauth.rb and devise.rb) and the definition
 * fields that set them: one table for the emitters (src/constructs/environment.ts), the model's check of
 * free-form provider settings and the Helm importer.
 */
import { Instance } from '../definition/schema';

type Auth = NonNullable<Instance['auth']>;
export type AuthProvider = Exclude<keyof Auth, 'omniauthOnly'>;
type Fields<P extends AuthProvider> = keyof NonNullable<Auth[P]> & string;

export interface ProviderVariables<F extends string = string> {
  /** the variables' prefix, e.g. OIDC */
  readonly prefix: string;
  /** plain variables by suffix, each from one definition field */
  readonly fields: Readonly<Record<string, F>>;
  /** variables read from a Secret by suffix, each from one SecretKeyRef field (emitted per process, never in the ConfigMap) */
  readonly secrets: Readonly<Record<string, F>>;
  /** the callback URL variable, https://<webDomain>/auth/auth/<callback>/callback @default - none */
  readonly callback?: { readonly suffix: string; readonly path: string };
}

/** Field names are checked against each provider's definition type. */
export const AUTH_PROVIDERS: { readonly [P in AuthProvider]: ProviderVariables<Fields<P>> } = {
  oidc: {
    prefix: 'OIDC',
    fields: {
      DISPLAY_NAME: 'displayName',
      ISSUER: 'issuer',
      DISCOVERY: 'discovery',
      SCOPE: 'scope',
      UID_FIELD: 'uidField',
      CLIENT_ID: 'clientId',
      SECURITY_ASSUME_EMAIL_IS_VERIFIED: 'assumeEmailIsVerified',
      AUTH_ENDPOINT: 'authEndpoint',
      TOKEN_ENDPOINT: 'tokenEndpoint',
      USER_INFO_ENDPOINT: 'userInfoEndpoint',
      JWKS_URI: 'jwksUri',
      END_SESSION_ENDPOINT: 'endSessionEndpoint',
    },
    // the client id is plain or from a Secret (the model checks one of them is set)
    secrets: { CLIENT_ID: 'clientIdSecret', CLIENT_SECRET: 'clientSecretSecret' },
    callback: { suffix: 'REDIRECT_URI', path: 'openid_connect' },
  },
  saml: {
    prefix: 'SAML',
    fields: { ISSUER: 'issuer', IDP_SSO_TARGET_URL: 'idpSsoTargetUrl', IDP_CERT: 'idpCert' },
    secrets: { CERT: 'certSecret', PRIVATE_KEY: 'privateKeySecret' },
    callback: { suffix: 'ACS_URL', path: 'saml' },
  },
  cas: { prefix: 'CAS', fields: { URL: 'url' }, secrets: {} },
  ldap: {
    prefix: 'LDAP',
    fields: { HOST: 'host', PORT: 'port', METHOD: 'method', BASE: 'base', BIND_DN: 'bindDn', UID: 'uid', MAIL: 'mail' },
    secrets: { PASSWORD: 'passwordSecret' },
  },
  pam: { prefix: 'PAM', fields: { EMAIL_DOMAIN: 'emailDomain' }, secrets: {} },
};

/** `<PREFIX>_ENABLED` is emitted for every provider that is set. */
export const ENABLED_SUFFIX = 'ENABLED';

export const AUTH_PROVIDER_NAMES = Object.keys(AUTH_PROVIDERS) as AuthProvider[];

/** Every suffix the generator sets for a provider from a typed field: free-form settings must not take them. */
export function typedSuffixes(provider: AuthProvider): string[] {
  const p: ProviderVariables = AUTH_PROVIDERS[provider];
  return [ENABLED_SUFFIX, ...Object.keys(p.fields), ...Object.keys(p.secrets), ...(p.callback ? [p.callback.suffix] : [])];
}

/** The callback URL Mastodon's provider redirects to. */
export function callbackUrl(webDomain: string, path: string): string {
  return `https://${webDomain}/auth/auth/${path}/callback`;
}
