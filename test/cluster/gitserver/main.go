// gitserver serves the bare repositories under -root over Git's smart HTTP protocol, read-only, so Flux's
// source-controller can clone them. The protocol work is done by `git http-backend`; this only runs it as CGI.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	root := flag.String("root", "", "directory holding the bare repositories")
	flag.Parse()
	if *root == "" || !strings.HasPrefix(*addr, "127.0.0.1:") {
		log.Fatal("gitserver: -root is required and -addr must be on 127.0.0.1")
	}
	gitPath, err := exec.LookPath("git")
	if err != nil {
		log.Fatal(err)
	}
	backend := &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + *root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	readOnly := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/git-receive-pack") || r.URL.Query().Get("service") == "git-receive-pack" {
			http.Error(w, "read-only", http.StatusForbidden)
			return
		}
		backend.ServeHTTP(w, r)
	})
	log.Fatal(http.ListenAndServe(*addr, readOnly))
}
