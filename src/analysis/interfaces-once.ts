/**
 * A network that keeps the interfaces of the hosts asked about last, and of every host that
 * forwards. The model resolves a peer's links anew on every call (most commands ask once per
 * peer); the traces that explain a diff come back to the same hosts again and again (the target
 * of a column of changes, the hub on every way), which for a thousand-peer mesh is a thousand
 * links built per question. Only the most recent are kept, and the forwarders (hubs, routers,
 * exit nodes: the hops of most ways): keeping every host met is what filled the memory.
 */
import { hostForwards } from "../network/access.js";
import type { NetInterface, Network } from "../network/model.js";

export function interfacesOnce(network: Network, keep = 32): Network {
  // A Map iterates in insertion order: re-inserting on each use keeps the least recent first.
  const recent = new Map<string, NetInterface[]>();
  const forwarders = new Map<string, NetInterface[]>();
  const interfaces = (name: string): NetInterface[] => {
    const forwarder = forwarders.get(name);
    if (forwarder) return forwarder;
    let found = recent.get(name);
    if (found) recent.delete(name);
    else {
      found = network.interfaces(name);
      if (hostForwards(found)) {
        forwarders.set(name, found);
        return found;
      }
      if (recent.size >= keep) recent.delete(recent.keys().next().value as string);
    }
    recent.set(name, found);
    return found;
  };
  // The prototype keeps every other member (and getter) of the network as it is.
  return Object.assign(Object.create(network) as Network, {
    interfaces,
    interfaceOn: (name: string, subnet: string) =>
      interfaces(name).find((i) => i.subnet.name === subnet),
  });
}
