# Runs the original Wirenix through its oracle's eval.nix on many jobs in one evaluation, so
# that nixpkgs' lib and the original are read once. Used by scripts/oracle.ts.
# jobsJson: a file holding [{ aclJson, configurer, devNameMethod }].
{ evalNix, wirenix, nixlib, jobsJson }:
map
  (job: import evalNix {
    inherit wirenix nixlib;
    inherit (job) aclJson configurer devNameMethod;
  })
  (builtins.fromJSON (builtins.readFile jobsJson))
