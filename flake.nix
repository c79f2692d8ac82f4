{
  description = "Wirenix: one ACL in, the WireGuard configuration of every machine out";

  # No inputs: the module only applies what `wirenix generate --format json` wrote,
  # using the nixpkgs of the system that imports it.
  outputs = { self }: {
    nixosModules.default = import ./nix/module.nix;
    nixosModules.wirenix = self.nixosModules.default;
  };
}
