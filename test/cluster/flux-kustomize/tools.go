//go:build tools

// Flux's kustomize-controller for the cluster tests: applies dist/<instance>/ stage by stage.
package tools

import _ "github.com/fluxcd/kustomize-controller"
