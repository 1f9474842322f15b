#!/usr/bin/env node
// The `aivm` command (package.json "bin"). A committed, executable shim: the compiled
// dist/ files carry no execute bit, so npx could not run them directly.
require('../dist/cli/aivm.js');
