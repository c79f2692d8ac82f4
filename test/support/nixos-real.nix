# Evaluates NixOS systems that use Wirenix's output with the real NixOS module system:
# nixpkgs' nixos/lib/eval-config.nix from NIX_PATH (<nixpkgs>), its full module list, the
# real option declarations and types (_module.check on), and the stub package set of
# nixos-stub-pkgs.nix (nothing is built). One call evaluates many hosts, so nixpkgs' files
# are read and parsed once.
#
# hostsFile: JSON list of hosts:
#   { id, useNetworkd, module?: "/abs/peer.nix" (what `generate --out` wrote),
#     flake?: { wirenix.* settings for flake.nix's nixosModules.default } (neither: a host
#     without Wirenix, for NixOS's own settings),
#     agenix?: bool, sops?: bool }
# namesFile: JSON list of package names for the stub package set.
# Per host: its warnings, failed assertions, rendered networkd units, the wireguard-*
# services (script and unit text), /etc/hosts, where agenix/sops-nix put the secrets.
# Each host is wrapped in "wirenix-host-begin/end <id>" traces, so that NixOS's trace
# warnings on stderr can be told apart per host; with catchErrors, a host whose evaluation
# throws (a type error, a missing option) gives { failed = true; } and the caller evaluates
# it again alone, without catchErrors, for the evaluator's message.
{ hostsFile, namesFile, repo, agenix, sopsNix, catchErrors ? true }:
let
  lib = import <nixpkgs/lib>;
  evalConfig = import <nixpkgs/nixos/lib/eval-config.nix>;
  stubPkgs = import ./nixos-stub-pkgs.nix {
    inherit lib;
    names = builtins.fromJSON (builtins.readFile namesFile);
  };
  flake = import (repo + "/flake.nix");
  flakeOutputs = flake.outputs { self = flakeOutputs; };

  wirenixModules = host:
    if host ? module then [ (/. + host.module) ]
    else if !(host ? flake) then [ ] # a host without Wirenix: what NixOS sets by itself
    else [
      flakeOutputs.nixosModules.default
      {
        wirenix = host.flake // lib.optionalAttrs (host.flake ? generated) {
          generated = /. + host.flake.generated;
        } // lib.optionalAttrs (host.flake ? secretsDir) {
          secretsDir = /. + host.flake.secretsDir;
        };
      }
    ];

  secretModules = host:
    lib.optionals (host.agenix or false) [
      agenix
      # Where the host's age identity lives (docs/nixos.md).
      { age.identityPaths = [ "/var/lib/agenix/host.key" ]; }
    ]
    ++ lib.optionals (host.sops or false) [
      sopsNix
      ({ pkgs, ... }: {
        sops.age.keyFile = "/var/lib/sops-nix/key.txt";
        # Nothing is built: sops-nix's package is the stub package set's.
        sops.package = pkgs.sops-install-secrets;
        sops.validationPackage = pkgs.sops-install-secrets;
      })
    ];

  evalHost = host:
    let
      system = evalConfig {
        inherit lib;
        system = null;
        modules = wirenixModules host ++ secretModules host ++ [
          ({ lib, ... }: {
            _module.args.pkgs = lib.mkForce stubPkgs;
            nixpkgs.hostPlatform = "x86_64-linux";
            boot.loader.grub.enable = false;
            fileSystems."/" = { device = "/dev/vda"; fsType = "ext4"; };
            system.stateVersion = "24.11";
            networking.hostName = "wirenix-host";
            networking.useNetworkd = host.useNetworkd;
            # No DHCP units of NixOS's own among the networkd units compared.
            networking.useDHCP = false;
            documentation.enable = false;
          })
        ];
      };
      inherit (system) config;
      wireguardServices = lib.filterAttrs (name: _: lib.hasPrefix "wireguard-" name) config.systemd.services;
      etcHosts = config.environment.etc.hosts;
    in
    {
      warnings = config.warnings;
      failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
      networkdEnabled = config.systemd.network.enable;
      units = lib.mapAttrs (_: unit: unit.text)
        (lib.filterAttrs (name: _: lib.hasSuffix ".netdev" name || lib.hasSuffix ".network" name)
          config.systemd.network.units);
      etcUnits = builtins.filter (name: lib.hasPrefix "systemd/network/" name)
        (builtins.attrNames config.environment.etc);
      services = lib.mapAttrs (name: service: {
        inherit (service) script;
        unit = config.systemd.units."${name}.service".text;
      }) wireguardServices;
      # Kernel settings of the network (forwarding by routers and exit nodes).
      sysctl = lib.mapAttrs (_: v: toString (if builtins.isBool v then (if v then 1 else 0) else v))
        (lib.filterAttrs (name: v: lib.hasPrefix "net." name && v != null) config.boot.kernel.sysctl);
      nat = {
        inherit (config.networking.nat) enable internalInterfaces;
        externalInterface = toString config.networking.nat.externalInterface;
      };
      # The nftables tables NixOS loads (ours with access rules, and the firewall's own once it
      # runs on nftables), and the interfaces the firewall trusts.
      nftables = {
        inherit (config.networking.nftables) enable;
        tables = lib.mapAttrs (_: t: { inherit (t) enable name family content; })
          config.networking.nftables.tables;
      };
      trustedInterfaces = config.networking.firewall.trustedInterfaces;
      hosts = if etcHosts.text != null then etcHosts.text else etcHosts.source.text;
      ageSecrets = lib.mapAttrs (_: s: s.path) ((config.age or { }).secrets or { });
      sopsSecrets = lib.mapAttrs (_: s: s.path) ((config.sops or { }).secrets or { });
    };

  hosts = builtins.fromJSON (builtins.readFile hostsFile);
in
{
  libVersion = lib.version;
  nixosVersion = lib.trivial.release;
  results = map (host:
    builtins.trace "wirenix-host-begin ${host.id}" (
      let
        result = evalHost host;
        tried =
          if catchErrors then builtins.tryEval (builtins.deepSeq result result)
          else { success = true; value = builtins.deepSeq result result; };
      in
      builtins.seq tried.success (builtins.trace "wirenix-host-end ${host.id}"
        (if tried.success then tried.value else { failed = true; })))
  ) hosts;
}
