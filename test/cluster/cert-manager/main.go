// cert-manager-controller: the parts of cert-manager's controller the Ingress certificate scenario
// (test/cluster/cert-manager.test.ts) needs, wired as upstream's cmd/controller/app wires them (Run in
// controller.go): one controller.ContextFactory, each controller built from the registry its package fills
// in init() (controller.Known), the shared informer factories started after the controllers are built.
//
// Upstream's own main is the module github.com/cert-manager/cert-manager/cmd/controller, which the Go module
// proxy here does not serve; this program imports only the library module's public packages. Compared with
// upstream's default controllers it leaves out ACME (orders, challenges, their CertificateRequest controller
// and the DNS-01 providers), CA, Vault and Venafi, the Gateway API shims, the revision manager and the
// metrics controller, and it serves nothing: no metrics, healthz or profiler listener, no leader election.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/klog/v2"

	"github.com/cert-manager/cert-manager/pkg/controller"
	shimingresses "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/ingresses"
	crapprover "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	crselfsigned "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	"github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	"github.com/cert-manager/cert-manager/pkg/controller/issuers"
	logf "github.com/cert-manager/cert-manager/pkg/logs"

	// the selfsigned issuer type, which the Issuers and ClusterIssuers controllers set up (issuer.Factory's registry)
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// the controllers this program runs, by their registered names
var enabled = []string{
	clusterissuers.ControllerName,
	issuers.ControllerName,
	shimingresses.ControllerName,
	crapprover.ControllerName,
	crselfsigned.CRControllerName,
	trigger.ControllerName,
	issuing.ControllerName,
	keymanager.ControllerName,
	requestmanager.ControllerName,
	readiness.ControllerName,
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server (required)")
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "cert-manager", "namespace of the resources ClusterIssuers refer to")
	workers := flag.Int("concurrent-workers", 5, "workers per controller (upstream's default)")
	klog.InitFlags(flag.CommandLine)
	flag.Parse()
	if *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "cert-manager-controller: --kubeconfig is required")
		os.Exit(2)
	}
	logf.InitLogs()
	defer logf.FlushLogs()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *kubeconfig, *clusterResourceNamespace, *workers); err != nil {
		fmt.Fprintf(os.Stderr, "cert-manager-controller: %v\n", err)
		logf.FlushLogs()
		os.Exit(1)
	}
}

func run(rootCtx context.Context, kubeconfig, clusterResourceNamespace string, workers int) error {
	rootCtx, cancel := context.WithCancel(rootCtx)
	defer cancel()
	log := logf.FromContext(rootCtx)
	g, rootCtx := errgroup.WithContext(rootCtx)

	// upstream's defaults (internal/apis/config/controller/v1alpha1/defaults.go) for what these controllers read
	ctxFactory, err := controller.NewContextFactory(rootCtx, controller.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions:      controller.IssuerOptions{ClusterResourceNamespace: clusterResourceNamespace},
		IngressShimOptions: controller.IngressShimOptions{DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"}},
		CertificateOptions: controller.CertificateOptions{
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
	})
	if err != nil {
		return err
	}
	ctx, err := ctxFactory.Build()
	if err != nil {
		return err
	}

	known := controller.Known()
	var registered []string
	for n := range known {
		registered = append(registered, n)
	}
	sort.Strings(registered)
	for _, n := range enabled {
		fn, ok := known[n]
		if !ok {
			return fmt.Errorf("controller %q is not registered (registered: %s)", n, strings.Join(registered, ", "))
		}
		iface, err := fn(ctxFactory)
		if err != nil {
			cancel()
			_ = g.Wait()
			return fmt.Errorf("error starting controller %s: %w", n, err)
		}
		g.Go(func() error {
			log.Info("starting controller", "controller", n)
			return iface.Run(workers, rootCtx)
		})
	}
	log.Info("enabled controllers", "controllers", strings.Join(enabled, ","))

	ctx.SharedInformerFactory.Start(rootCtx.Done())
	ctx.KubeSharedInformerFactory.Start(rootCtx.Done())
	ctx.HTTP01ResourceMetadataInformersFactory.Start(rootCtx.Done())

	err = g.Wait()
	ctx.HTTP01ResourceMetadataInformersFactory.Shutdown()
	ctx.KubeSharedInformerFactory.Shutdown()
	ctx.SharedInformerFactory.Shutdown()
	if err != nil {
		return fmt.Errorf("controllers: %w", err)
	}
	log.Info("control loops exited")
	return nil
}
