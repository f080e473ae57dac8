//go:build tools

// Package tools pins kwok (go build sigs.k8s.io/kwok/cmd/kwok).
package tools

import _ "sigs.k8s.io/kwok/pkg/kwok/cmd"
