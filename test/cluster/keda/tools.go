//go:build tools

// KEDA's operator and metrics API server (adapter) for the queue-scaling cluster test.
package tools

import (
	_ "github.com/kedacore/keda/v2/cmd/adapter"
	_ "github.com/kedacore/keda/v2/cmd/operator"
)
