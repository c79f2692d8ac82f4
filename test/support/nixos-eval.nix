# Evaluates Wirenix's NixOS module with nixpkgs' lib.evalModules, the way a NixOS system
# would, and prints the parts of the configuration the module sets. NixOS itself is not
# available to the tests, so the NixOS options the module writes to are declared here as
# stand-ins of the loosest type; everything else (option merging, mkIf, mkMerge, defaults)
# is the real module system.
{ nixlib, module, settings }:
let
  lib = import (nixlib + "/lib");
  inherit (lib) mkOption types;
  loose = mkOption { type = types.attrsOf types.anything; default = { }; };
  standIns = {
    options = {
      networking.hostName = mkOption { type = types.str; default = "nixos"; };
      networking.hosts = mkOption { type = types.attrsOf (types.listOf types.str); default = { }; };
      networking.wireguard.interfaces = loose;
      systemd.network.netdevs = loose;
      systemd.network.networks = loose;
      age.secrets = loose;
      age.generators = mkOption { type = types.attrsOf types.unspecified; default = { }; };
      sops.secrets = loose;
      # Namespaces the module merges into (for plugins' configurers); empty here.
      services = loose;
      environment = loose;
      assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
      warnings = mkOption { type = types.listOf types.str; default = [ ]; };
    };
  };
  evaluated = lib.evalModules {
    modules = [ standIns module (builtins.fromJSON settings) ];
  };
  c = evaluated.config;
  # Paths become strings without being copied to the store.
  show = v:
    if builtins.isPath v then toString v
    else if builtins.isAttrs v then lib.mapAttrs (_: show) v
    else if builtins.isList v then map show v
    else v;
in
show {
  config = {
    networking = { inherit (c.networking) hosts wireguard; };
    systemd.network = { inherit (c.systemd.network) netdevs networks; };
    age.secrets = c.age.secrets;
    sops.secrets = c.sops.secrets;
  };
  generators = builtins.attrNames c.age.generators;
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
  warnings = c.warnings;
}
