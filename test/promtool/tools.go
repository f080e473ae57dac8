//go:build tools

// Prometheus's promtool, to check and unit-test the generated alert rules.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
