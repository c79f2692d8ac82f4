# The original Wirenix (its source as `wirenix`) run the way a NixOS host runs it: the
# configuration of one peer, or of every peer, with mkIf resolved and nulls dropped as the
# module system would. Unlike the oracle's eval.nix (made for differential tests), each
# peer is evaluated once: eval.nix's `tryEval (deepSeq (one peer) (one peer))` evaluates it
# twice, which would make the original look twice as slow as it is.
{ wirenix, nixlib, aclJson, configurer ? "static", devNameMethod ? "short", peer ? null }:
let
  lib = import (nixlib + "/lib");
  wnlib = import (wirenix + "/lib.nix") { inherit lib; };
  acl = builtins.fromJSON (builtins.readFile aclJson);
  parse = wnlib.defaultParsers.${acl.version} { inherit lib; };
  intermediate = parse acl;
  configure = wnlib.defaultConfigurers.${configurer} { inherit lib devNameMethod; config = { }; };
  resolve = v:
    if builtins.isAttrs v then
      (if v ? _type && v._type == "if" then (if v.condition then resolve v.content else null)
       else lib.filterAttrs (n: x: x != null) (lib.mapAttrs (n: resolve) v))
    else if builtins.isList v then builtins.filter (x: x != null) (map resolve v)
    else v;
  one = name: resolve (configure [ wnlib.defaultKeyProviders.acl ] intermediate name);
in
if peer == null
then builtins.listToAttrs (map (p: { name = p.name; value = one p.name; }) acl.peers)
else { ${peer} = one peer; }
