//go:build tools

// Package tools pins helm (go build helm.sh/helm/v3/cmd/helm): cmd/helm is a main package, so these are
// the packages it imports that pkg/action does not, which keeps their modules in go.mod and go.sum.
package tools

import (
	_ "github.com/gofrs/flock"
	_ "github.com/spf13/cobra/doc"
	_ "helm.sh/helm/v3/pkg/action"
	_ "helm.sh/helm/v3/pkg/plugin/installer"
)
