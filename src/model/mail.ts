/**
 * What Mastodon's mailer does with a server's settings (config/environments/production.rb on 4.3,
 * config/email.yml and lib/mastodon/email_configuration_helper.rb from 4.4, the mail and net-smtp gems):
 * the values to emit, and the combinations that fail on every delivery.
 */
import { FieldPath } from '../definition/problems';
import { Instance } from '../definition/schema';
import { Semver, compareVersions, knownVersion } from './versions';

export type SmtpServer = NonNullable<NonNullable<Instance['smtp']>['bulk']>;

/** From 4.5 (mail 2.9) implicit TLS with STARTTLS raises "mutually exclusive" on every delivery. */
const STARTTLS_WITH_TLS_RAISES_FROM = '4.5.0';

export interface MailSettings {
  readonly implicitTls: boolean;
  /** SMTP_AUTH_METHOD: none without a login (net-smtp raises when AUTH has no user name) */
  readonly authMethod: NonNullable<SmtpServer['authMethod']>;
  /** SMTP_ENABLE_STARTTLS: never with implicit TLS */
  readonly starttls: NonNullable<SmtpServer['starttls']>;
}

export function mailSettings(c: SmtpServer): MailSettings {
  const implicitTls = c.tls || c.ssl === true;
  const hasLogin = c.login !== undefined || c.loginSecret !== undefined;
  return { implicitTls, authMethod: c.authMethod ?? (hasLogin ? 'plain' : 'none'), starttls: c.starttls ?? (implicitTls ? 'never' : 'auto') };
}

export function checkMail(def: Instance, version: Semver, error: (p: FieldPath, m: string) => void, warn: (p: FieldPath, m: string) => void): void {
  const servers: [FieldPath, SmtpServer | undefined][] = [[['smtp'], def.smtp], [['smtp', 'bulk'], def.smtp?.bulk]];
  for (const [path, c] of servers) {
    if (!c) continue;
    const s = mailSettings(c);
    const hasLogin = c.login !== undefined || c.loginSecret !== undefined;
    if (s.authMethod !== 'none' && !hasLogin) {
      error([...path, 'authMethod'], `SMTP AUTH ${s.authMethod} needs a user name: set login or loginSecret (and passwordSecret), or authMethod: none for a server that takes mail without AUTH`);
    } else if (s.authMethod !== 'none' && !c.passwordSecret) {
      error([...path, 'passwordSecret'], `SMTP AUTH ${s.authMethod} needs a password (net-smtp refuses every delivery without one): set passwordSecret, or authMethod: none`);
    }
    if (s.implicitTls && c.starttls !== undefined && c.starttls !== 'never') {
      if (compareVersions(version, knownVersion(STARTTLS_WITH_TLS_RAISES_FROM)) >= 0) {
        error([...path, 'starttls'], `implicit TLS (${c.tls ? 'tls' : 'ssl'}: true) and STARTTLS ${c.starttls} are exclusive: from Mastodon 4.5 every delivery fails ("mutually exclusive"); remove starttls (never is used) or turn implicit TLS off`);
      } else {
        warn([...path, 'starttls'], `with implicit TLS (${c.tls ? 'tls' : 'ssl'}: true) Mastodon before 4.5 ignores STARTTLS ${c.starttls}, and from 4.5 refuses it; remove starttls`);
      }
    }
  }
}
