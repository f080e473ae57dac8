//go:build tools

// KEDA's operator for the queue-scaling cluster test (its metrics API server is ./adapter).
package tools

import (
	_ "github.com/kedacore/keda/v2/cmd/operator"
)
