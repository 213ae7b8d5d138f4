// Secrets kept in a flow (a SIP provider's password on forward-sip) never leave the server:
// the API shows a placeholder, and a placeholder saved back keeps the stored secret.
import type { FlowNode, Workspace } from './model.ts';

export const SECRET_PLACEHOLDER = '********';

const hasSecret = (n: FlowNode): n is FlowNode & { config: { password: string } } =>
  n.type === 'forward-sip' &&
  typeof n.config === 'object' &&
  n.config !== null &&
  typeof (n.config as { password?: unknown }).password === 'string';

/**
 * A workspace as anyone may see it: every secret replaced by the placeholder. Takes any JSON
 * (a stored draft need not be a valid workspace) and leaves what is not a workspace alone.
 */
export function redactSecrets<T>(json: T): T {
  const nodes = (json as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return json;
  return {
    ...json,
    nodes: nodes.map((n: FlowNode) =>
      n && typeof n === 'object' && hasSecret(n)
        ? { ...n, config: { ...n.config, password: SECRET_PLACEHOLDER } }
        : n,
    ),
  };
}

/**
 * A workspace sent back by a client: a placeholder stands for the secret stored on the same
 * node; with no such node (a new or retyped one) the placeholder is no secret and is dropped.
 */
export function restoreSecrets(incoming: Workspace, stored: Workspace | undefined): Workspace {
  const kept = new Map<string, string>();
  for (const n of stored?.nodes ?? []) if (hasSecret(n)) kept.set(n.id, n.config.password);
  return {
    ...incoming,
    nodes: incoming.nodes.map((n) => {
      if (!hasSecret(n) || n.config.password !== SECRET_PLACEHOLDER) return n;
      const secret = kept.get(n.id);
      const { password: _placeholder, ...rest } = n.config;
      return { ...n, config: secret === undefined ? rest : { ...rest, password: secret } };
    }),
  };
}
