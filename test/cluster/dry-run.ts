/**
 * Server-side apply with dryRun=All over the API server's REST API: one request per object, a few at a
 * time, each answer kept with its object (kubectl's batch output cannot be mapped back to objects reliably).
 */
import https from 'https';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export interface Answer {
  readonly status: number;
  readonly message: string;
}

interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

export class ApiClient {
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false });
  private readonly resources = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(private readonly url: string, private readonly token: string) {}

  request(method: string, urlPath: string, body?: string, contentType = 'application/json'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${this.url}${urlPath}`,
        { method, agent: this.agent, headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': contentType } : {}) }, timeout: 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${urlPath}`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  private discovery(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    let found = this.resources.get(apiVersion);
    if (!found) {
      found = this.request('GET', apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`).then((r) => {
        const map = new Map<string, ResourceInfo>();
        if (r.status !== 200) return map;
        for (const res of JSON.parse(r.body).resources as { name: string; kind: string; namespaced: boolean }[]) {
          if (!res.name.includes('/')) map.set(res.kind, { plural: res.name, namespaced: res.namespaced });
        }
        return map;
      });
      this.resources.set(apiVersion, found);
    }
    return found;
  }

  private async objectPath(obj: KubeObject): Promise<string | Answer> {
    const info = (await this.discovery(String(obj.apiVersion))).get(String(obj.kind));
    if (!info) return { status: 404, message: `the API server serves no ${obj.kind} in ${obj.apiVersion}` };
    const prefix = obj.apiVersion === 'v1' ? '/api/v1' : `/apis/${obj.apiVersion}`;
    const ns = info.namespaced ? `/namespaces/${encodeURIComponent(obj.metadata?.namespace ?? 'default')}` : '';
    return `${prefix}${ns}/${info.plural}/${encodeURIComponent(obj.metadata?.name ?? '')}`;
  }

  /** server-side apply; `dryRun`: the API server validates and admits it, and stores nothing */
  async apply(obj: KubeObject, options: { dryRun: boolean; fieldManager: string }): Promise<Answer> {
    const at = await this.objectPath(obj);
    if (typeof at !== 'string') return at;
    const query = `?fieldManager=${options.fieldManager}&force=true${options.dryRun ? '&dryRun=All' : ''}`;
    const r = await this.request('PATCH', at + query, JSON.stringify(obj), 'application/apply-patch+yaml');
    if (r.status < 300) return { status: r.status, message: '' };
    let message = r.body;
    try {
      message = JSON.parse(r.body).message ?? r.body;
    } catch {
      // not a Status object: keep the body
    }
    return { status: r.status, message };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `fn` over `items`, at most `width` at a time, answers in the items' order. */
export async function pool<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}
