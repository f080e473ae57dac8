// KEDA's operator and metrics API server for the queue-scaling cluster test, in one binary (one link instead of
// two): run as keda-adapter it is the metrics API server of adapter.go, as keda-operator KEDA's own operator.
// operatorMain is KEDA's cmd/operator main, which ../build.sh adds to this package through an overlay
// (operator.go: that main.go of the pinned module, its main renamed operatorMain): build with build.sh, which
// also links the keda-adapter name to the binary.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	switch name := filepath.Base(os.Args[0]); name {
	case "keda-operator":
		operatorMain()
	case "keda-adapter":
		adapterMain()
	default:
		fmt.Fprintf(os.Stderr, "%s: run this binary as keda-operator or keda-adapter (the name it is called by chooses)\n", name)
		os.Exit(2)
	}
}
