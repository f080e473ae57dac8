//go:build tools

// Flux's source-controller for the cluster tests: serves the test's Git repository as artifacts.
package tools

import _ "github.com/fluxcd/source-controller"
