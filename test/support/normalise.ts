/**
 * The normalisation the oracle README describes, applied to both sides of a comparison: unset
 * values dropped, and networkd `wireguardPeers` entries unwrapped from `wireguardPeerConfig`
 * (NixOS's old shape; the original also leaves PersistentKeepalive outside it in
 * networkd-dev-only, which the unwrapping folds back in), and `RouteTable = "main"` left out of
 * networkd's `wireguardConfig`: intentional difference 10 (acl-v1.md), our networkd outputs
 * route every AllowedIP, the original's route none. Only that value is dropped: any other
 * RouteTable (an exit node's table) is a real difference.
 */
export function normalise(value: unknown): unknown {
  if (Array.isArray(value))
    return value.filter((v) => v !== null && v !== undefined).map(normalise);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) continue;
    if (key === "wireguardPeers" && Array.isArray(item)) {
      out[key] = item.map((entry: Record<string, unknown>) => {
        const { wireguardPeerConfig, ...rest } = entry;
        return normalise({ ...(wireguardPeerConfig as object | undefined), ...rest });
      });
    } else if (key === "wireguardConfig" && typeof item === "object" && !Array.isArray(item)) {
      const { RouteTable, ...rest } = item as Record<string, unknown>;
      out[key] = normalise(RouteTable === "main" ? rest : item);
    } else out[key] = normalise(item);
  }
  return out;
}
