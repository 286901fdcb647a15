#!/usr/bin/env bash
# A stand-in for desktop VS Code's `code` executable, for machines where desktop VS Code cannot be
# downloaded. @vscode/test-electron (and @vscode/test-cli's `useInstallation.fromPath`) start it
# with VS Code's test flags; it runs the same suite in the project's code-server instead.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
exec node --import "file://$REPO/node_modules/tsx/dist/loader.mjs" "$REPO/test/e2e/runExtensionTests.ts" "$@"
