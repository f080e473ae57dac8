//go:build tools

// KEDA's operator, whose main build.sh adds to ./cmd: imported here so that go.mod and go.sum pin every module
// it needs (build.sh compiles only the packages the Redis scalers build needs, so only those modules download).
package tools

import (
	_ "github.com/kedacore/keda/v2/cmd/operator"
)
