#!/bin/sh
# Installs the agent CLIs Vigil has native adapters for (gemini, qwen, opencode, copilot, amp, droid) into a cache folder, one npm prefix each,
# for tests/main/adapters/real-cli.test.ts (which runs each real CLI under Vigil, without a login,
# and expects a clear failed run). Nothing is installed globally and nothing logs in.
#
#   scripts/install-agent-clis.sh [CACHE_DIR]     (default: $VIGIL_AGENT_CLIS, else ~/.cache/vigil-agent-clis)
#
# Packages whose native binary comes as an optional dependency get it installed by name, so that
# a registry or an npm that skips install scripts still yields a runnable CLI.
set -eu
CACHE="${1:-${VIGIL_AGENT_CLIS:-$HOME/.cache/vigil-agent-clis}}"
mkdir -p "$CACHE"

install() { # folder, packages...
  dir="$CACHE/$1"; shift
  echo "installing $* into $dir"
  mkdir -p "$dir"
  npm install --silent --no-audit --no-fund --prefix "$dir" "$@"
}

install gemini @google/gemini-cli
install qwen @qwen-code/qwen-code
install opencode opencode-ai
install copilot @github/copilot
# The newest @ampcode/cli may name a platform binary the registry does not have yet: take the
# binary's newest version and the wrapper of the same version.
AMP_VERSION="$(npm view @ampcode/cli-linux-x64 version 2>/dev/null || true)"
if [ -n "$AMP_VERSION" ]; then
  install amp "@ampcode/cli@$AMP_VERSION" "@ampcode/cli-linux-x64@$AMP_VERSION"
  (cd "$CACHE/amp/node_modules/@ampcode/cli" && node install.cjs >/dev/null 2>&1 || true)
fi
# Factory's Droid: the platform binary itself (254 MB). The newest @factory/cli wrapper may name a
# binary version the registry does not have (0.225.1 here, with 0.225.2 published): take the newest binary.
DROID_VERSION="$(npm view @factory/cli-linux-x64 version 2>/dev/null || true)"
if [ -n "$DROID_VERSION" ]; then
  install droid "@factory/cli-linux-x64@$DROID_VERSION"
fi
echo "done: $CACHE"
