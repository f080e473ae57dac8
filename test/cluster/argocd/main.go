// argocd-sync: one sync operation of Argo CD's sync engine (gitops-engine, as Argo CD v3.6 has it) against a
// cluster, driven as Argo CD's application controller drives it (controller/sync.go) for an Application with
// `syncPolicy: {automated: {prune: true}, syncOptions: [ServerSideApply=true]}`: on every pass, the live
// objects from the cluster cache are reconciled with the rendered manifests and a sync context is built anew
// from the operation's state so far; one Sync step advances it (waves in order, each one waiting for the
// health of the one before, 2 s between waves as the controller waits) until the operation completes.
//
// Input: -manifests, the rendered YAML (what Argo CD's repo server gives: `kustomize build` of the path).
// Output (stdout, JSON): whether the operation succeeded, its message and one result per object; stderr gets
// one JSON line per wave as it is applied. Exit 0 when the operation succeeded, 1 when it failed, 2 on bad input.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/cache"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/common"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/kube"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/tracing"
	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	log := logr.Discard()
	if *verbosity > 0 {
		log = textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(*verbosity), textlogger.Output(os.Stderr)))
	}

	clusterCache := cache.NewClusterCache(config,
		cache.SetLogr(log),
		cache.SetPopulateResourceInfoHandler(func(un *unstructured.Unstructured, _ bool) (any, bool) {
			id := un.GetAnnotations()[trackingAnnotation]
			return id, id != ""
		}),
	)
	if err := clusterCache.EnsureSynced(); err != nil {
		fail(1, "cluster cache: %v", err)
	}
	defer clusterCache.Invalidate()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	kubectl := &kube.KubectlCmd{Log: log, Tracer: tracing.NopTracer{}}
	isManaged := func(r *cache.Resource) bool { id, _ := r.Info.(string); return id == trackingID(*app, r.ResourceKey()) }
	waves := json.NewEncoder(os.Stderr)
	phase, message, results, started := common.OperationPhase(""), "", []common.ResourceSyncResult(nil), metav1.Now()
	for !phase.Completed() {
		if ctx.Err() != nil {
			phase, message = common.OperationError, fmt.Sprintf("not completed after %s (last: %s)", *timeout, message)
			break
		}
		live, err := clusterCache.GetManagedLiveObjs(target, isManaged)
		if err != nil {
			fail(1, "live objects: %v", err)
		}
		reconciled := sync.Reconcile(target, live, *namespace, clusterCache)
		syncCtx, cleanup, err := sync.NewSyncContext(*revision, reconciled, config, config, kubectl, *namespace,
			sync.WithLogr(log),
			sync.WithOperationSettings(false, true, false, false),
			sync.WithInitialState(phase, message, results, started),
			sync.WithManifestValidation(true),
			sync.WithSyncWaveHook(func(p common.SyncPhase, wave int, final bool) error {
				_ = waves.Encode(map[string]any{"t": time.Now().UTC().Format(time.RFC3339Nano), "phase": p, "wave": wave, "final": final})
				if !final {
					time.Sleep(2 * time.Second) // the controller's delayBetweenSyncWaves (ARGOCD_SYNC_WAVE_DELAY's default)
				}
				return nil
			}),
			sync.WithServerSideApply(true),
			sync.WithServerSideApplyManager("argocd-controller"),
			sync.WithClientSideApplyMigration(true, "kubectl-client-side-apply"),
		)
		if err != nil {
			fail(1, "sync context: %v", err)
		}
		syncCtx.Sync(ctx)
		phase, message, results = syncCtx.GetState()
		cleanup()
		if !phase.Completed() {
			time.Sleep(time.Second)
		}
	}
	out := struct {
		Succeeded bool     `json:"succeeded"`
		Resources []result `json:"resources"`
		Message   string   `json:"message"`
	}{Succeeded: phase == common.OperationSucceeded, Message: message, Resources: []result{}}
	for _, r := range results {
		out.Resources = append(out.Resources, result{r.ResourceKey.Group, r.ResourceKey.Kind, r.ResourceKey.Namespace, r.ResourceKey.Name, string(r.Status), string(r.HookPhase), string(r.SyncPhase), r.Message})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
	if !out.Succeeded {
		os.Exit(1)
	}
}
