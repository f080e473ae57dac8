// argocd-sync: one sync operation of Argo CD's sync engine (gitops-engine, as vendored in Argo CD v3.6)
// against a cluster, as the application controller runs it for an Application with
// `syncPolicy: {automated: {prune: true}, syncOptions: [ServerSideApply=true]}`: the cluster cache, the
// reconciliation of the rendered manifests with the live objects, then the sync context driven until the
// operation completes (waves in order, each one waiting for the health of the one before).
//
// Input: -manifests, the rendered YAML (what Argo CD's repo server gives: `kustomize build` of the path).
// Output (stdout, JSON): the operation's phase and message and one result per object; stderr gets one JSON
// line per wave as it is applied. Exit 0 when the operation succeeded, 1 when it failed, 2 on bad input.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/cache"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/engine"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/common"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/kube"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2/textlogger"
)

// Argo CD v3's default resource tracking: this annotation, "<app>:<group>/<kind>:<namespace>/<name>"
const trackingAnnotation = "argocd.argoproj.io/tracking-id"

type result struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Phase     string `json:"phase"`
	SyncPhase string `json:"syncPhase"`
	Message   string `json:"message"`
}

func fail(code int, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "argocd-sync: "+format+"\n", a...)
	os.Exit(code)
}

func trackingID(app string, k kube.ResourceKey) string {
	return fmt.Sprintf("%s:%s/%s:%s/%s", app, k.Group, k.Kind, k.Namespace, k.Name)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster")
	manifests := flag.String("manifests", "", "rendered manifests (multi-document YAML)")
	app := flag.String("app", "", "the Application's name (for resource tracking)")
	namespace := flag.String("namespace", "", "the Application's destination namespace")
	revision := flag.String("revision", "", "the revision being synced (reported only)")
	timeout := flag.Duration("timeout", 10*time.Minute, "bound on the whole operation")
	verbosity := flag.Int("v", 0, "engine log verbosity (stderr)")
	flag.Parse()
	if *kubeconfig == "" || *manifests == "" || *app == "" || *namespace == "" {
		fail(2, "-kubeconfig, -manifests, -app and -namespace are required")
	}
	data, err := os.ReadFile(*manifests)
	if err != nil {
		fail(2, "%v", err)
	}
	target, err := kube.SplitYAML(data)
	if err != nil {
		fail(2, "%s: %v", *manifests, err)
	}
	for _, o := range target {
		a := o.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[trackingAnnotation] = trackingID(*app, kube.GetResourceKey(o))
		o.SetAnnotations(a)
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail(2, "%v", err)
	}
	var log logr.Logger = textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(*verbosity), textlogger.Output(os.Stderr)))

	clusterCache := cache.NewClusterCache(config,
		cache.SetLogr(log),
		cache.SetPopulateResourceInfoHandler(func(un *unstructured.Unstructured, _ bool) (any, bool) {
			id := un.GetAnnotations()[trackingAnnotation]
			return id, id != ""
		}),
	)
	gitops := engine.NewEngine(config, clusterCache, engine.WithLogr(log))
	stop, err := gitops.Run()
	if err != nil {
		fail(1, "cluster cache: %v", err)
	}
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	waves := json.NewEncoder(os.Stderr)
	results, err := gitops.Sync(ctx, target,
		func(r *cache.Resource) bool { id, _ := r.Info.(string); return id == trackingID(*app, r.ResourceKey()) },
		*revision, *namespace,
		sync.WithPrune(true),
		sync.WithServerSideApply(true),
		sync.WithServerSideApplyManager("argocd-controller"),
		sync.WithLogr(log),
		sync.WithSyncWaveHook(func(phase common.SyncPhase, wave int, final bool) error {
			return waves.Encode(map[string]any{"t": time.Now().UTC().Format(time.RFC3339Nano), "phase": phase, "wave": wave, "final": final})
		}),
	)
	out := struct {
		Succeeded bool     `json:"succeeded"`
		Error     string   `json:"error,omitempty"`
		Resources []result `json:"resources"`
	}{Succeeded: err == nil, Resources: []result{}}
	if err != nil {
		out.Error = err.Error()
	}
	for _, r := range results {
		out.Resources = append(out.Resources, result{r.ResourceKey.Group, r.ResourceKey.Kind, r.ResourceKey.Namespace, r.ResourceKey.Name, string(r.Status), string(r.HookPhase), string(r.SyncPhase), r.Message})
		if r.HookPhase == common.OperationFailed || r.HookPhase == common.OperationError || r.Status == common.ResultCodeSyncFailed {
			out.Succeeded = false
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
	if !out.Succeeded {
		os.Exit(1)
	}
}
