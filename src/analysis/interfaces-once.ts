/**
 * A network that keeps the interfaces of the peers asked about last. The model resolves a
 * peer's links anew on every call (most commands ask once per peer); the traces that explain
 * a diff come back to the same hosts again and again (the target of a column of changes, the
 * hub on every way), which for a thousand-peer mesh is a thousand links built per question.
 * Only the most recent are kept: keeping every host met is what filled the memory.
 */
import type { NetInterface, Network } from "../network/model.js";

export function interfacesOnce(network: Network, keep = 256): Network {
  // A Map iterates in insertion order: re-inserting on each use keeps the least recent first.
  const recent = new Map<string, NetInterface[]>();
  const interfaces = (name: string): NetInterface[] => {
    let found = recent.get(name);
    if (found) recent.delete(name);
    else {
      found = network.interfaces(name);
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
