// The etcd binary: the same two lines as etcd's own main.go, so the server module can be built at a pinned version.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
