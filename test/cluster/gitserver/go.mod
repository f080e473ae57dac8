// A Git smart-HTTP server on loopback for the cluster tests: git's own http-backend behind Go's CGI handler.
module mastodon-cdk8s/test/cluster/gitserver

go 1.26.0
