import { MAX_DATA_BYTES, MAX_OBJECT_BYTES } from './kubernetes-syntax';
import { Finding, Rule } from './rule';

export const ObjectSize: Rule = {
  id: 'ObjectSize',
  description: 'objects fit the API server\'s size limits (ConfigMap data 1 MiB, any request 1.5 MiB)',
  check: (obj) => {
    const findings: Finding[] = [];
    const bytes = Buffer.byteLength(JSON.stringify(obj));
    if (bytes > MAX_OBJECT_BYTES) findings.push({ message: `the object is ${bytes} bytes, more than the ${MAX_OBJECT_BYTES} an API server stores` });
    if (obj.kind === 'ConfigMap') {
      const data = { ...((obj as { data?: object }).data ?? {}), ...((obj as { binaryData?: object }).binaryData ?? {}) } as Record<string, string>;
      const size = Object.entries(data).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
      if (size > MAX_DATA_BYTES) {
        const largest = Object.entries(data).sort((a, b) => String(b[1]).length - String(a[1]).length)[0]?.[0];
        findings.push({ message: `the ConfigMap holds ${size} bytes of data, more than the ${MAX_DATA_BYTES} Kubernetes allows (largest: ${largest})`, culprit: largest });
      }
    }
    return findings;
  },
};
