// KEDA's metrics API server (external.metrics.k8s.io) for the queue-scaling cluster test, assembled from KEDA's
// own packages as its cmd/adapter assembles them (the same provider and gRPC client of the operator's metrics
// service), without cmd/adapter's Prometheus /metrics listener: that one binds every interface (":<port>", no
// flag for the address), and the test's services listen on 127.0.0.1 only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/server"
	basecmd "sigs.k8s.io/custom-metrics-apiserver/pkg/cmd"
	"sigs.k8s.io/custom-metrics-apiserver/pkg/provider"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/kedacore/keda/v2/pkg/metricsservice"
	kedaprovider "github.com/kedacore/keda/v2/pkg/provider"
	kedautil "github.com/kedacore/keda/v2/pkg/util"
)

type adapter struct {
	basecmd.AdapterBase
}

var log = ctrl.Log.WithName("keda_metrics_adapter")

func (a *adapter) provider(ctx context.Context, metricsServiceAddr string) (provider.ExternalMetricsProvider, error) {
	s := scheme.Scheme
	if err := appsv1.SchemeBuilder.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := kedav1alpha1.SchemeBuilder.AddToScheme(s); err != nil {
		return nil, err
	}
	namespaces, err := kedautil.GetWatchNamespaces()
	if err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Metrics: server.Options{BindAddress: "0"},
		Scheme:  s,
		Cache:   ctrlcache.Options{DefaultNamespaces: namespaces, DefaultTransform: kedautil.CacheObjectTransform},
	})
	if err != nil {
		return nil, err
	}
	// mTLS with the operator from the serving certificate directory (tls.crt, tls.key, ca.crt), as cmd/adapter does
	grpcClient, err := metricsservice.NewGrpcClient(ctx, metricsServiceAddr, a.SecureServing.ServerCert.CertDirectory, "", "", grpcprom.NewClientMetrics(), false)
	if err != nil {
		return nil, fmt.Errorf("connecting to the operator's metrics service at %s: %w", metricsServiceAddr, err)
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			log.Error(err, "controller-runtime manager stopped")
			os.Exit(1)
		}
	}()
	return kedaprovider.NewProvider(ctx, log, mgr.GetClient(), *grpcClient), nil
}

func main() {
	ctx := ctrl.SetupSignalHandler()
	a := &adapter{}
	a.Name = "keda-adapter"
	var metricsServiceAddr string
	a.Flags().StringVar(&metricsServiceAddr, "metrics-service-address", "", "the KEDA operator's gRPC metrics service (host:port)")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	klog.InitFlags(nil)
	a.Flags().AddGoFlagSet(flag.CommandLine)
	if err := a.Flags().Parse(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	p, err := a.provider(ctx, metricsServiceAddr)
	if err != nil {
		log.Error(err, "making the provider")
		os.Exit(1)
	}
	a.WithExternalMetrics(p)
	log.Info("starting the metrics API server")
	if err := a.Run(ctx); err != nil {
		log.Error(err, "metrics API server stopped")
		os.Exit(1)
	}
}
