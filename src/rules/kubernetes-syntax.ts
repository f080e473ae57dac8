/**
 * The name and value rules the Kubernetes API server applies (k8s.io/apimachinery/pkg/util/validation),
 * which no OpenAPI schema carries: an object that passes the schemas can still be refused on create.
 */
import { isIP } from 'net';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_LABEL = new RegExp(`^${LABEL}$`);
const DNS_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** undefined when valid, else what was expected */
export type Check = (value: string) => string | undefined;

export const dnsLabel: Check = (v) => (v.length <= 63 && DNS_LABEL.test(v) ? undefined : 'a lowercase DNS label (a-z, 0-9, -; at most 63 characters)');
export const dnsSubdomain: Check = (v) => (v.length <= 253 && DNS_SUBDOMAIN.test(v) ? undefined : 'a lowercase DNS name (a-z, 0-9, - and .; at most 253 characters)');
export const dns1035Label: Check = (v) => (v.length <= 63 && DNS_1035.test(v) ? undefined : 'a DNS label that starts with a letter (a-z, 0-9, -; at most 63 characters)');

/** label and annotation keys: `[prefix/]name` */
export const qualifiedName: Check = (v) => {
  const parts = v.split('/');
  const name = parts[parts.length - 1];
  const prefixOk = parts.length === 1 || (parts.length === 2 && dnsSubdomain(parts[0]) === undefined);
  return prefixOk && name.length <= 63 && QUALIFIED_PART.test(name) ? undefined : 'a key such as example.com/name (a DNS prefix, then at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit)';
};

export const labelValue: Check = (v) => (v === '' || (v.length <= 63 && QUALIFIED_PART.test(v)) ? undefined : 'a label value (at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit)');

/** keys of Secrets and ConfigMaps */
export const dataKey: Check = (v) => (v.length <= 253 && /^[-._a-zA-Z0-9]+$/.test(v) && v !== '.' && !v.startsWith('..') ? undefined : 'a Secret or ConfigMap key (letters, digits, -, _ and .)');

/** environment variable names as Kubernetes 1.28 accepts them (1.30+ accept more) */
export const envName: Check = (v) => (/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(v) ? undefined : 'a variable name (letters, digits, _, - and ., not starting with a digit)');

/** container port names (IANA service names) */
export const portName: Check = (v) => (v.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v) && /[a-z]/.test(v) && !v.includes('--') ? undefined : 'a port name (at most 15 lowercase letters, digits and -, with a letter)');

/** an IP address as newer API servers parse it (no leading zeros in IPv4) */
export const ipAddress: Check = (v) => (isIP(v) !== 0 && !/(^|\.)0[0-9]/.test(isIP(v) === 4 ? v : '') ? undefined : 'an IPv4 or IPv6 address');

/** Annotations of one object together may hold at most 256 KiB. */
export const MAX_ANNOTATION_BYTES = 256 * 1024;
/** ConfigMap and Secret data may hold at most 1 MiB. */
export const MAX_DATA_BYTES = 1024 * 1024;
/** etcd refuses requests over 1.5 MiB (its default --max-request-bytes). */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;
