#!/usr/bin/env node
// Committed (unlike dist/) so package managers can link the `dispatch` bin before the first build.
import '../dist/cli.js';
