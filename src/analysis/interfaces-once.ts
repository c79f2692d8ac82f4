/**
 * A network whose interfaces are resolved once per peer. The model resolves a peer's links
 * anew on every call (most commands ask once per peer); comparing two networks asks for the
 * same hosts again and again (checking, host facts, every hop of every trace), which for a
 * thousand-peer mesh is a thousand links built per question.
 */
import type { NetInterface, Network } from "../network/model.js";

export function interfacesOnce(network: Network): Network {
  const known = new Map<string, NetInterface[]>();
  const interfaces = (name: string): NetInterface[] => {
    let found = known.get(name);
    if (!found) {
      found = network.interfaces(name);
      known.set(name, found);
    }
    return found;
  };
  // The prototype keeps every other member (and getter) of the network as it is.
  return Object.assign(Object.create(network) as Network, {
    interfaces,
    interfaceOn: (name: string, subnet: string) =>
      interfaces(name).find((i) => i.subnet.name === subnet),
  });
}
