# A stand-in for sops-nix's NixOS module (github.com/Mic92/sops-nix, modules/sops), written for
# these tests: sops-nix's own source is not part of this repository. It declares the options a
# configuration from Wirenix sets or reads, with sops-nix's types and defaults (August 2024),
# and sops-nix's evaluation-time checks: every secret has a sops file, and a key to decrypt
# with is configured. Decryption at activation is not modelled: nothing is built here.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.sops;
  secretType = types.submodule ({ config, name, ... }: {
    options = {
      name = mkOption { type = types.str; default = name; };
      key = mkOption { type = types.str; default = name; };
      path = mkOption { type = types.str; default = "/run/secrets/${config.name}"; };
      format = mkOption {
        type = types.enum [ "yaml" "json" "binary" "dotenv" "ini" ];
        default = cfg.defaultSopsFormat;
      };
      mode = mkOption { type = types.str; default = "0400"; };
      owner = mkOption { type = types.str; default = "root"; };
      group = mkOption { type = types.str; default = "root"; };
      sopsFile = mkOption { type = types.nullOr types.path; default = cfg.defaultSopsFile; };
      restartUnits = mkOption { type = types.listOf types.str; default = [ ]; };
      reloadUnits = mkOption { type = types.listOf types.str; default = [ ]; };
      neededForUsers = mkOption { type = types.bool; default = false; };
    };
  });
in
{
  options.sops = {
    secrets = mkOption { type = types.attrsOf secretType; default = { }; };
    defaultSopsFile = mkOption { type = types.nullOr types.path; default = null; };
    defaultSopsFormat = mkOption { type = types.str; default = "yaml"; };
    validateSopsFiles = mkOption { type = types.bool; default = true; };
    package = mkOption { type = types.package; };
    validationPackage = mkOption { type = types.package; default = cfg.package; };
    age.keyFile = mkOption { type = types.nullOr types.path; default = null; };
    age.sshKeyPaths = mkOption { type = types.listOf types.path; default = [ ]; };
    gnupg.home = mkOption { type = types.nullOr types.str; default = null; };
  };
  config = lib.mkIf (cfg.secrets != { }) {
    assertions =
      lib.mapAttrsToList (name: s: {
        assertion = s.sopsFile != null;
        message = "sops.secrets.${name}.sopsFile is not set, and sops.defaultSopsFile is null";
      }) cfg.secrets
      ++ [{
        assertion = cfg.age.keyFile != null || cfg.age.sshKeyPaths != [ ] || cfg.gnupg.home != null;
        message = "sops-nix has no key to decrypt with (sops.age.keyFile, sops.age.sshKeyPaths or sops.gnupg.home)";
      }];
  };
}
