import { Check, MAX_ANNOTATION_BYTES, labelValue, qualifiedName } from './kubernetes-syntax';
import { Finding, ObjectMetaLike, Rule, podMetadata } from './rule';

const SELECTOR_KEYS = new Set(['selector', 'labelSelector', 'namespaceSelector', 'podSelector']);
const LABEL_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const NODE_OPERATORS = [...LABEL_OPERATORS, 'Gt', 'Lt'];

interface Requirement {
  key?: string;
  operator?: string;
  values?: string[];
}

export const MetadataSyntax: Rule = {
  id: 'MetadataSyntax',
  description: 'label keys and values, annotation keys and sizes, and selectors are what the API server accepts',
  check: (obj) => {
    const findings: Finding[] = [];
    const expect = (what: string, value: string, check: Check) => {
      const expected = check(value);
      if (expected) findings.push({ message: `${what}: expected ${expected}, found ${JSON.stringify(value)}`, culprit: value });
    };
    const metadata = (where: string, meta: ObjectMetaLike | undefined) => {
      for (const [k, v] of Object.entries(meta?.labels ?? {})) {
        expect(`${where}label key`, k, qualifiedName);
        if (typeof v === 'string') expect(`${where}label ${k}`, v, labelValue);
      }
      let size = 0;
      for (const [k, v] of Object.entries(meta?.annotations ?? {})) {
        expect(`${where}annotation key`, k, qualifiedName);
        size += k.length + String(v).length;
      }
      const largest = Object.entries(meta?.annotations ?? {}).sort((a, b) => String(b[1]).length - String(a[1]).length)[0]?.[0];
      if (size > MAX_ANNOTATION_BYTES) findings.push({ message: `${where}annotations hold ${size} bytes, more than the ${MAX_ANNOTATION_BYTES} the API server accepts (largest: ${largest})`, culprit: largest });
    };
    metadata('', obj.metadata as ObjectMetaLike | undefined);
    metadata('pod template ', podMetadata(obj));

    const requirement = (where: string, r: Requirement, operators: string[]) => {
      if (typeof r.key === 'string') expect(`${where} key`, r.key, qualifiedName);
      if (!operators.includes(String(r.operator))) {
        findings.push({ message: `${where} operator: expected one of ${operators.join(', ')}, found ${JSON.stringify(r.operator)}`, culprit: String(r.operator) });
        return;
      }
      const values = r.values ?? [];
      if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length) findings.push({ message: `${where}: operator ${r.operator} takes no values, found ${values.length}`, culprit: r.operator });
      if ((r.operator === 'In' || r.operator === 'NotIn') && !values.length) findings.push({ message: `${where}: operator ${r.operator} needs at least one value`, culprit: r.operator });
      if ((r.operator === 'Gt' || r.operator === 'Lt') && (values.length !== 1 || !/^-?[0-9]+$/.test(values[0]))) findings.push({ message: `${where}: operator ${r.operator} needs one integer value`, culprit: r.operator });
      if (operators === LABEL_OPERATORS) for (const v of values) expect(`${where} value`, v, labelValue);
    };
    // the path below spec, written out only for a finding (walking every field of every object is the cost here)
    const below: (string | number)[] = [];
    const pathHere = () => `spec${below.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
    const walk = (node: unknown) => {
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) {
          below.push(i);
          walk(node[i]);
          below.pop();
        }
        return;
      }
      if (!node || typeof node !== 'object') return;
      const fields = node as Record<string, unknown>;
      for (const k of Object.keys(fields)) {
        const v = fields[k];
        if (k === 'metadata' || !v || typeof v !== 'object') continue;
        below.push(k);
        if (SELECTOR_KEYS.has(k) && !Array.isArray(v)) {
          const here = pathHere();
          const sel = v as { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };
          for (const [lk, lv] of Object.entries(sel.matchLabels ?? {})) {
            expect(`${here}.matchLabels key`, lk, qualifiedName);
            if (typeof lv === 'string') expect(`${here}.matchLabels ${lk}`, lv, labelValue);
          }
          (sel.matchExpressions ?? []).forEach((r, i) => requirement(`${here}.matchExpressions[${i}]`, r, LABEL_OPERATORS));
        }
        if (k === 'nodeSelectorTerms' || k === 'preference') {
          const here = pathHere();
          for (const [i, term] of (Array.isArray(v) ? v : [v]).entries()) {
            const t = term as { matchExpressions?: Requirement[]; matchFields?: Requirement[] };
            (t.matchExpressions ?? []).forEach((r, j) => requirement(`${here}[${i}].matchExpressions[${j}]`, r, NODE_OPERATORS));
            for (const f of t.matchFields ?? []) {
              // a node field selector: metadata.name alone, with In or NotIn and one value
              if (f.key !== 'metadata.name') findings.push({ message: `${here}[${i}].matchFields key: expected metadata.name, found ${JSON.stringify(f.key)}`, culprit: f.key });
              else if (!['In', 'NotIn'].includes(String(f.operator)) || (f.values ?? []).length !== 1) findings.push({ message: `${here}[${i}].matchFields: expected operator In or NotIn with one value`, culprit: f.operator });
            }
          }
        }
        walk(v);
        below.pop();
      }
    };
    walk((obj as { spec?: unknown }).spec);
    return findings;
  },
};
