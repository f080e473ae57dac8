/**
 * Which variable names hold credentials: one pattern for the definition checks, the output rules and the
 * importer. Such a variable must come from a Secret, never from a literal value.
 * Names that merely mention a credential (an endpoint, a header name, an attribute key) are not credentials.
 */
const CREDENTIAL_NAME = /(PASSWORD|PASSWD|(^|_)PASS$|SECRET|(^|_)TOKEN$|PRIVATE_KEY|API_KEY|ACCESS_KEY|(^|_)SALT$|ENCRYPTION_[A-Z_]*KEY|(^|_)(DATABASE|REDIS)_URL$)/;

/** Names the pattern matches that hold no credential. */
const NOT_CREDENTIALS = new Set(['CACHE_BUSTER_SECRET_HEADER']);

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name) && !NOT_CREDENTIALS.has(name);
}

/** A URL's password (`scheme://[user]:password@`): what makes a database or Redis URL a credential. */
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;

/**
 * Whether a variable's literal value would be a credential: any value of a credential name, except a URL
 * without a password (the generator writes rediss://user@host:port/db for TLS without a password).
 */
export function isCredentialValue(name: string, value: string): boolean {
  return isCredentialName(name) && (!/_URL$/.test(name) || URL_PASSWORD.test(value));
}
