/**
 * The ingress controller an instance is served by: its IngressClass, where its pods are (the
 * NetworkPolicy source) and which of the definition's settings it cannot express (warnings at synth,
 * never silent). The Ingresses themselves are src/constructs/traffic.ts's MastodonIngress.
 */
import { FieldPath, Problem } from '../definition/problems';
import { Instance } from '../definition/schema';

/** the controllers the Ingresses are written for: 'generic' gets no annotation of the generator */
export type IngressControllerKind = 'ingress-nginx' | 'traefik' | 'generic';

/** Where each known controller runs when installed the usual way (its Helm chart; Traefik as k3s ships it). */
export const INGRESS_CONTROLLER_DEFAULTS: Record<Exclude<IngressControllerKind, 'generic'>, { readonly className: string; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }> = {
  'ingress-nginx': { className: 'nginx', namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
  traefik: { className: 'traefik', namespace: 'kube-system', podLabels: { 'app.kubernetes.io/name': 'traefik' } },
};

/** the ingress-nginx upload limit the definition defaults to: another value on another controller is a setting it ignores */
export const DEFAULT_MAX_BODY_SIZE = '100m';

/** The fields of traffic.ingress (or of MastodonIngress's props) the controller choice reads. */
export interface ControllerChoice {
  readonly controller?: IngressControllerKind;
  readonly className?: string;
}

/** The controller: as given, else Traefik for the class k3s's Traefik serves, else ingress-nginx. */
export function controllerOf(ing: ControllerChoice): IngressControllerKind {
  return ing.controller ?? (ing.className === INGRESS_CONTROLLER_DEFAULTS.traefik.className ? 'traefik' : 'ingress-nginx');
}

/** ingressClassName: as given, else the known controller's; undefined for a generic controller without one (a problem). */
export function ingressClassOf(ing: ControllerChoice): string | undefined {
  const kind = controllerOf(ing);
  return ing.className ?? (kind === 'generic' ? undefined : INGRESS_CONTROLLER_DEFAULTS[kind].className);
}

export interface IngressController {
  readonly kind: IngressControllerKind;
  readonly className: string;
  readonly namespace: string;
  /** {}: every pod of the namespace */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** What the ingress settings ask of a controller that cannot do it. Paths are relative to the ingress settings, but `webDomain`'s. */
export interface ControllerSettings extends ControllerChoice {
  readonly maxBodySize?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly streaming?: { readonly annotations?: Readonly<Record<string, string>> };
  readonly controllerConfig?: boolean;
}

export function ingressControllerWarnings(ing: ControllerSettings, hosts: { readonly localDomain: string; readonly webDomain: string }, at: { readonly ingress: FieldPath; readonly webDomain: FieldPath }): Problem[] {
  const kind = controllerOf(ing);
  const warnings: Problem[] = [];
  const warn = (path: FieldPath, message: string) => warnings.push({ path, message });
  if (kind === 'generic') {
    warn([...at.ingress, 'controller'], `a generic controller gets no annotations: configure it to accept uploads of ${ing.maxBodySize ?? DEFAULT_MAX_BODY_SIZE} (maxBodySize), to keep /api/v1/streaming connections (WebSockets, server-sent events) open and unbuffered for an hour, and to redirect plain HTTP to HTTPS`);
  }
  if (kind !== 'ingress-nginx') {
    if (ing.controllerConfig) warn([...at.ingress, 'controllerConfig'], `the controller ConfigMap (TLS protocols and ciphers, HSTS, forwarded headers) is ingress-nginx's; with ${kind} it is not emitted: set those in the ${kind} configuration`);
    if (kind === 'traefik' && ing.maxBodySize !== undefined && ing.maxBodySize !== DEFAULT_MAX_BODY_SIZE) {
      warn([...at.ingress, 'maxBodySize'], `maxBodySize ${ing.maxBodySize} is ingress-nginx's proxy-body-size; Traefik sets no upload limit (a Buffering middleware of your own would), so uploads of any size reach web`);
    }
    const nginx = [...Object.keys(ing.annotations ?? {}), ...Object.keys(ing.streaming?.annotations ?? {})].filter((k) => k.startsWith('nginx.ingress.kubernetes.io/'));
    if (nginx.length) warn([...at.ingress, 'annotations', nginx[0]], `${nginx.join(', ')} ${nginx.length > 1 ? 'are' : 'is'} read by ingress-nginx only; ${kind} ignores ${nginx.length > 1 ? 'them' : 'it'}`);
    if (hosts.webDomain !== hosts.localDomain) {
      warn(at.webDomain, `the redirect of ${hosts.localDomain}'s /.well-known paths to ${hosts.webDomain} is an ingress-nginx annotation; with ${kind} the ${hosts.localDomain} Ingress forwards those paths to web instead (Mastodon answers them with CORS allowed)`);
    }
  }
  if (kind !== 'traefik' && Object.keys(ing.annotations ?? {}).some((k) => k.startsWith('traefik.ingress.kubernetes.io/'))) {
    warn([...at.ingress, 'annotations'], `traefik.ingress.kubernetes.io/ annotations are read by Traefik only; set controller: traefik if Traefik serves ${ingressClassOf(ing) ?? 'the Ingresses'}`);
  }
  return warnings;
}

/** The controller of traffic.ingress, with the definition's warnings; a generic controller must say where its pods are. */
export function resolveIngressController(def: Instance, error: (p: FieldPath, m: string) => void, warn: (p: FieldPath, m: string) => void): IngressController | undefined {
  const ing = def.traffic.ingress;
  if (!ing) return undefined;
  const path: FieldPath = ['traffic', 'ingress'];
  const kind = controllerOf(ing);
  if (kind === 'generic' && (ing.controllerNamespace === undefined || ing.controllerPodLabels === undefined)) {
    const missing = ing.controllerNamespace === undefined ? 'controllerNamespace' : 'controllerPodLabels';
    error([...path, missing], `a generic controller has no known place: expected controllerNamespace and controllerPodLabels (the labels of its pods, {} for every pod of the namespace), found no ${missing}`);
  }
  for (const w of ingressControllerWarnings(ing, { localDomain: def.domain, webDomain: def.webDomain ?? def.domain }, { ingress: path, webDomain: ['webDomain'] })) warn(w.path, w.message);
  const defaults = kind === 'generic' ? { namespace: ing.controllerNamespace ?? 'invalid', podLabels: {} } : INGRESS_CONTROLLER_DEFAULTS[kind];
  return { kind, className: ingressClassOf(ing) ?? 'invalid', namespace: ing.controllerNamespace ?? defaults.namespace, podLabels: ing.controllerPodLabels ?? defaults.podLabels };
}
