# A package set for evaluating NixOS without nixpkgs' pkgs/ tree: every name NixOS's
# modules may look up is a fake derivation with a fixed store path, and the builders whose
# result NixOS reads back at evaluation time (writeText, runCommand, ...) keep their text.
# Nothing here is ever built; option types, merges, assertions, warnings and the rendered
# unit texts stay NixOS's own.
#
# names: every identifier in the modules evaluated (Nix has no hook for a missing
# attribute, and modules reach packages through `with pkgs;`, `pkgs.${name}`,
# mkPackageOption ...), computed by the caller.
{ lib, names }:
let
  platform = lib.systems.elaborate { system = "x86_64-linux"; };
  hash = "00000000000000000000000000000000";
  clean = name: lib.strings.sanitizeDerivationName (toString name);
  fake = name: extra:
    let
      drv = {
        type = "derivation";
        name = clean name;
        pname = clean name;
        version = "999.0";
        outPath = "/nix/store/${hash}-${clean name}";
        drvPath = "/nix/store/${hash}-${clean name}.drv";
        outputs = [ "out" ];
        outputName = "out";
        system = platform.system;
        meta = { mainProgram = clean name; platforms = lib.platforms.all; available = true; };
        passthru = { };
        override = _: drv;
        overrideAttrs = _: drv;
        overrideDerivation = _: drv;
        # `pkg.bin`, `pkg.out`, ... and `pkg.override { }`-style calls all give the package.
        bin = drv; out = drv; dev = drv; man = drv; lib = drv; doc = drv;
        __functor = self: _: self;
      } // extra;
    in
    drv;
  withText = name: text: fake name { inherit text; };
  format = _: {
    type = lib.types.anything // { nestedTypes.elemType = lib.types.anything; };
    generate = name: value: fake name { inherit value; };
    lib = { types = { }; mkRaw = v: v; mkLiteral = v: v; };
  };
  kernel = fake "linux" {
    version = "6.6.0";
    modDirVersion = "6.6.0";
    features = { };
    config = { isEnabled = _: true; isYes = _: true; isSet = _: true; isNo = _: false; isModule = _: false; };
    configfile = fake "kernel-config" { };
    kernelAtLeast = v: lib.versionAtLeast "6.6.0" v;
    kernelOlder = v: lib.versionOlder "6.6.0" v;
  };
  linuxPackagesFor = extra:
    let
      set = byName // {
        inherit kernel;
        inherit (kernel) kernelAtLeast kernelOlder;
        extend = f: linuxPackagesFor (extra // f set set);
      } // extra;
    in
    set;
  byName = lib.genAttrs names (name: fake name { });
  pkgs = byName // rec {
    _type = "pkgs";
    inherit lib;
    path = /nix/store/00000000000000000000000000000000-nixpkgs;
    system = platform.system;
    hostPlatform = platform;
    buildPlatform = platform;
    targetPlatform = platform;
    stdenv = fake "stdenv" (lib.filterAttrs (n: _: lib.hasPrefix "is" n) platform // {
      inherit hostPlatform buildPlatform targetPlatform;
      cc = fake "gcc" { };
      shell = "/nix/store/${hash}-bash/bin/bash";
    });
    stdenvNoCC = stdenv;
    appendOverlays = _: pkgs;
    pkgsCross = { };
    callPackage = fn: _: fake (if builtins.isPath fn then baseNameOf fn else "callPackage") { };
    formats = lib.genAttrs [ "json" "yaml" "yaml_1_1" "yaml_1_2" "ini" "iniWithGlobalSection"
      "keyValue" "toml" "gitIni" "elixirConf" "lua" "nixConf" "php" "javaProperties" "hocon"
      "libconfig" "pythonVars" "xml" "systemd" "cdn" "plist" "hcl1" "configobj" "sshdConfig" ]
      (_: format);
    writeTextFile = args: fake (args.name or "file") { text = args.text or null; };
    writeShellApplication = args: fake (args.name or "app") { text = args.text or null; };
    runCommand = name: env: script: fake name { inherit env script; text = env.text or null; };
    runCommandLocal = runCommand;
    runCommandNoCC = runCommand;
    runCommandCC = runCommand;
    concatText = name: files: fake name { text = lib.concatMapStrings (f: f.text or "") files; };
    substituteAll = _: fake "substituted" { };
    runtimeShell = "/nix/store/${hash}-bash/bin/bash";
    inherit kernel;
    linux = kernel;
    linuxPackages = linuxPackagesFor { };
    linuxPackages_latest = linuxPackages;
    dhcpcd = fake "dhcpcd" { enablePrivSep = true; };
  }
  # The other package sets (build, host, static, ...) are this one.
  // lib.genAttrs [ "pkgs" "buildPackages" "pkgsBuildBuild" "pkgsBuildHost" "pkgsHostTarget"
    "__splicedPackages" "pkgsStatic" "pkgsi686Linux" "pkgsMusl" "pkgsLLVM" ] (_: pkgs)
  // lib.genAttrs [ "writeText" "writeTextDir" "writeScript" "writeScriptBin" "writeShellScript"
    "writeShellScriptBin" ] (_: withText);
in
pkgs
