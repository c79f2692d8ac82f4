# A stand-in for agenix's NixOS module (github.com/ryantm/agenix, modules/age.nix), written for
# these tests: agenix's own source is not part of this repository. It declares the options a
# configuration from Wirenix sets or reads, with agenix's types and defaults (August 2024), and
# agenix's assertion that a host with secrets names an identity to decrypt them; what agenix
# does at activation (decrypting into /run/agenix) is not modelled: nothing is built here.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.age;
  secretType = types.submodule ({ config, name, ... }: {
    options = {
      name = mkOption { type = types.str; default = name; };
      file = mkOption { type = types.path; };
      path = mkOption { type = types.str; default = "${cfg.secretsDir}/${config.name}"; };
      mode = mkOption { type = types.str; default = "0400"; };
      owner = mkOption { type = types.str; default = "0"; };
      group = mkOption { type = types.str; default = "0"; };
      symlink = mkOption { type = types.bool; default = true; };
    };
  });
in
{
  options.age = {
    secrets = mkOption { type = types.attrsOf secretType; default = { }; };
    secretsDir = mkOption { type = types.path; default = "/run/agenix"; };
    secretsMountPoint = mkOption { type = types.path; default = "/run/agenix.d"; };
    identityPaths = mkOption { type = types.listOf types.path; default = [ ]; };
  };
  config = lib.mkIf (cfg.secrets != { }) {
    assertions = [{
      assertion = cfg.identityPaths != [ ];
      message = "age.identityPaths must be set.";
    }];
  };
}
