# The Wirenix NixOS module: applies to this host the configuration that
# `wirenix generate --format json` computed from the ACL. The module does not
# read the ACL itself; the CLI did that, with the same options as below, and
# the assertions here catch a `generated` file made with other options.
{ config, lib, ... }:
let
  inherit (lib) mkOption mkEnableOption mkIf mkMerge types;
  cfg = config.wirenix;

  generated =
    if builtins.isAttrs cfg.generated then cfg.generated
    else builtins.fromJSON (builtins.readFile cfg.generated);

  names = if cfg.peerNames == null then [ cfg.peerName ] else cfg.peerNames;
  missing = builtins.filter (name: !(generated ? ${name})) names;
  peers = map (name: { inherit name; config = generated.${name} or { }; }) names;

  # What the module applies; anything else in `generated` is reported.
  sections = [ "networking" "systemd" "boot" "age" "sops" "services" "environment" ];
  unknownSections = lib.unique (lib.concatMap
    (p: builtins.filter (key: !(builtins.elem key sections)) (builtins.attrNames p.config))
    peers);

  isWirenixSecret = name: lib.hasPrefix "wirenix-" name;
  # Secret files are written by the CLI as strings under its --secrets-dir; with
  # wirenix.secretsDir set they become paths inside the flake, so they reach the store.
  relocate = attr: name: secret:
    if cfg.secretsDir != null && isWirenixSecret name && secret ? ${attr}
    then secret // { ${attr} = cfg.secretsDir + "/${baseNameOf secret.${attr}}"; }
    else secret;
  relocateSecrets = attrs: section:
    if section ? secrets then section // {
      secrets = lib.mapAttrs
        (name: secret: lib.foldl' (s: attr: relocate attr name s) secret attrs)
        section.secrets;
    } else section;
  ageOf = c: relocateSecrets [ "file" "rekeyFile" ] (c.age or { });
  sopsOf = c: relocateSecrets [ "sopsFile" ] (c.sops or { });
  sectionOf = key: c: if key == "age" then ageOf c else if key == "sops" then sopsOf c else c.${key} or { };

  # One section (networking, systemd, ...) of this host's peers, merged. Its attribute
  # names come from every peer in `generated`, never from this host's peer: the peer's
  # name may default to networking.hostName, and NixOS must learn which networking.*
  # options are defined here without knowing that name.
  allPeers = builtins.attrValues generated;
  subKeys = key: lib.unique (lib.concatMap (c: builtins.attrNames (c.${key} or { })) allPeers);
  section = key: lib.genAttrs (subKeys key) (sub: mkMerge (lib.concatMap
    (p: let s = sectionOf key p.config; in lib.optional (s ? ${sub}) s.${sub})
    peers));

  # The secret files that would be looked up relative to wherever Nix happens to run.
  relativeSecretFiles = lib.concatMap
    (p: lib.concatMap
      (section: lib.concatMap
        (secret: builtins.filter (f: builtins.isString f && !(lib.hasPrefix "/" f))
          (map (attr: secret.${attr} or null) [ "file" "rekeyFile" "sopsFile" ]))
        (builtins.attrValues ((p.config.${section} or { }).secrets or { })))
      [ "age" "sops" ])
    peers;

  # Facts about a peer's generated configuration, to check it against the options.
  wireguardDevs = c: builtins.attrNames (c.networking.wireguard.interfaces or { });
  networkdDevs = c: map (d: d.netdevConfig.Name or "") (builtins.attrValues (c.systemd.network.netdevs or { }));
  hasSecret = section: name: c: ((c.${section} or { }).secrets or { }) ? "wirenix-peer-${name}";
  usesAge = lib.any (p: builtins.elem p cfg.keyProviders) [ "agenix" "agenix-rekey" ];
  usesSops = builtins.elem "sops-nix" cfg.keyProviders;
  isStatic = cfg.configurer == "static";
  isNetworkd = lib.hasPrefix "networkd" cfg.configurer;

  check = p: [
    {
      assertion = !(isStatic && p.config ? systemd);
      message = "wirenix: generated config of peer ${p.name} is for systemd-networkd, but wirenix.configurer is \"static\"; run `wirenix generate --configurer static --format json`, or set wirenix.configurer.";
    }
    {
      assertion = !(isNetworkd && (p.config.networking or { }) ? wireguard);
      message = "wirenix: generated config of peer ${p.name} uses networking.wireguard, but wirenix.configurer is \"${cfg.configurer}\"; run `wirenix generate --configurer ${cfg.configurer} --format json`, or set wirenix.configurer.";
    }
    {
      assertion = cfg.devNameMethod != "hash"
        || lib.all (dev: builtins.match "wn\\.[0-9a-f]{12}" dev != null) (wireguardDevs p.config ++ networkdDevs p.config);
      message = "wirenix: wirenix.devNameMethod is \"hash\", but the generated interfaces of peer ${p.name} (${toString (wireguardDevs p.config ++ networkdDevs p.config)}) were named otherwise; run `wirenix generate --dev-name-method hash --format json`.";
    }
    {
      assertion = usesAge == hasSecret "age" p.name p.config;
      message = "wirenix: wirenix.keyProviders (${toString cfg.keyProviders}) ${if usesAge then "include" else "do not include"} agenix or agenix-rekey, but the generated config of peer ${p.name} ${if usesAge then "declares no" else "declares an"} age secret wirenix-peer-${p.name}; generate with the same --key-provider list.";
    }
    {
      assertion = usesSops == hasSecret "sops" p.name p.config;
      message = "wirenix: wirenix.keyProviders (${toString cfg.keyProviders}) ${if usesSops then "include" else "do not include"} sops-nix, but the generated config of peer ${p.name} ${if usesSops then "declares no" else "declares a"} sops secret wirenix-peer-${p.name}; generate with the same --key-provider list.";
    }
  ];

  # agenix-rekey generators named by the secrets the agenix-rekey key provider declares
  # (generated JSON can only name a generator, not hold the function).
  generators = {
    "wirenix-wireguard-key" = { pkgs, file, ... }: ''
      umask 077
      key=$(${pkgs.wireguard-tools}/bin/wg genkey)
      printf '%s\n' "$key" | ${pkgs.wireguard-tools}/bin/wg pubkey > ${lib.escapeShellArg "${lib.removeSuffix ".age" file}.pub"}
      printf '%s\n' "$key"
    '';
    "wirenix-wireguard-psk" = { pkgs, ... }: ''
      ${pkgs.wireguard-tools}/bin/wg genpsk
    '';
  };
in
{
  # So that a config which declares no secrets evaluates without agenix or sops-nix.
  options.age = { };
  options.sops = { };

  options.wirenix = {
    enable = mkEnableOption "the WireGuard configuration Wirenix generated for this host";

    generated = mkOption {
      type = types.either types.path types.attrs;
      example = lib.literalExpression "./wirenix.json";
      description = ''
        The output of `wirenix generate --format json`: a JSON file, or the attribute set
        read from one. It holds every peer's configuration, keyed by peer name.
      '';
    };

    peerName = mkOption {
      type = types.str;
      default = config.networking.hostName;
      defaultText = lib.literalExpression "config.networking.hostName";
      description = "The peer of the ACL this host is.";
    };

    peerNames = mkOption {
      type = types.nullOr (types.listOf types.str);
      default = null;
      example = [ "container1" "container2" ];
      description = ''
        Several peers on this host (overrides peerName). Their configurations are merged;
        interface names then only stay apart with devNameMethod "hash".
      '';
    };

    configurer = mkOption {
      type = types.str;
      default = "static";
      description = ''
        The configurer `generated` was made with (`--configurer`): "static",
        "networkd", "networkd-dev-only", or a plugin's.
      '';
    };

    devNameMethod = mkOption {
      type = types.enum [ "short" "long" "hash" ];
      default = "short";
      description = "How `generated` named interfaces (`--dev-name-method`).";
    };

    keyProviders = mkOption {
      type = types.listOf types.str;
      default = [ "acl" ];
      description = ''
        The key providers `generated` was made with (`--key-provider`, in order). With
        "agenix-rekey" the module defines the agenix-rekey generators the declared secrets
        name.
      '';
    };

    secretsDir = mkOption {
      type = types.nullOr types.path;
      default = null;
      example = lib.literalExpression "./secrets";
      description = ''
        The directory given to `--secrets-dir`, as a path in your flake. The age and sops
        files of Wirenix's secrets are taken from here, so they are copied to the store.
      '';
    };
  };

  config = mkIf cfg.enable {
    networking = section "networking";
    systemd = section "systemd";
    # Forwarding sysctls of routers and exit nodes (docs/beyond-the-original.md).
    boot = section "boot";
    services = section "services";
    environment = section "environment";
    age = mkMerge ([ (section "age") ]
      ++ lib.optional (builtins.elem "agenix-rekey" cfg.keyProviders) { inherit generators; });
    sops = section "sops";

    assertions = [
      {
        assertion = missing == [ ];
        message = "wirenix: no peer ${toString missing} in wirenix.generated (it has: ${toString (builtins.attrNames generated)}); set wirenix.peerName, or generate for this peer.";
      }
      {
        assertion = unknownSections == [ ];
        message = "wirenix: wirenix.generated sets ${toString unknownSections}, which this module does not apply.";
      }
      {
        assertion = cfg.secretsDir != null || relativeSecretFiles == [ ];
        message = "wirenix: the generated secrets name relative files (${toString relativeSecretFiles}); set wirenix.secretsDir to the --secrets-dir directory in your flake.";
      }
    ] ++ lib.concatMap check peers;

    warnings =
      lib.optional (cfg.peerNames != null && cfg.devNameMethod != "hash")
        "wirenix: several peerNames with devNameMethod \"${cfg.devNameMethod}\" can give two interfaces one name; use \"hash\"."
      ++ lib.optional (cfg.peerNames != null && isStatic)
        "wirenix: the static configurer does not support several peerNames; use networkd or networkd-dev-only.";
  };
}
