# Evaluates Wirenix's NixOS module (taken from the repository's flake.nix) with nixpkgs'
# lib.evalModules, the way a NixOS system would, once per case, and prints the parts of the
# configuration the module sets. NixOS itself is not available to the tests, so the NixOS
# options the module writes to are declared here as stand-ins of the loosest type;
# everything else (option types and defaults, mkIf, mkMerge, assertions) is the real module
# system.
#
# cases: JSON list of NixOS settings, e.g. [{ "wirenix": { "enable": true, ... } }]; a
# string wirenix.secretsDir is turned into a Nix path, as a flake would write it.
# wgPrefix: a directory with bin/wg, standing in for pkgs.wireguard-tools when the
# agenix-rekey generators are rendered for `generatorFile`.
#
# nixpkgs' lib comes from the Nix search path: NIX_PATH=nixpkgs=DIR.
{ repo, cases, wgPrefix ? "/usr", generatorFile ? "/nonexistent/x.age" }:
let
  lib = import <nixpkgs/lib>;
  inherit (lib) mkOption types;
  flake = import (repo + "/flake.nix");
  outputs = flake.outputs { self = outputs; };
  module = outputs.nixosModules.default;

  loose = mkOption { type = types.attrsOf types.anything; default = { }; };
  standIns = {
    options = {
      networking.hostName = mkOption { type = types.str; default = "nixos"; };
      networking.hosts = mkOption { type = types.attrsOf (types.listOf types.str); default = { }; };
      networking.wireguard.interfaces = loose;
      networking.nat = loose;
      networking.firewall = loose;
      boot.kernel = loose;
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

  withPaths = settings:
    if settings ? wirenix && settings.wirenix ? secretsDir
    then lib.recursiveUpdate settings { wirenix.secretsDir = /. + settings.wirenix.secretsDir; }
    else settings;

  # Paths become strings without being copied to the store.
  show = v:
    if builtins.isPath v then toString v
    else if builtins.isAttrs v then lib.mapAttrs (_: show) v
    else if builtins.isList v then map show v
    else v;

  evalCase = settings:
    let
      c = (lib.evalModules { modules = [ standIns module (withPaths settings) ]; }).config;
    in
    show {
      config = {
        networking = { inherit (c.networking) hosts wireguard nat firewall; };
        boot = { inherit (c.boot) kernel; };
        systemd.network = { inherit (c.systemd.network) netdevs networks; };
        age.secrets = c.age.secrets;
        sops.secrets = c.sops.secrets;
      };
      generators = lib.mapAttrs
        (_: g: g { pkgs.wireguard-tools = wgPrefix; file = generatorFile; inherit lib; })
        c.age.generators;
      failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
      warnings = c.warnings;
    };
in
map evalCase (builtins.fromJSON cases)
