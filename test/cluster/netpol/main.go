// netpol-eval: answers, for NetworkPolicies and a list of flows, which flows the policies allow,
// using the matcher of cyclonus (the engine Kubernetes SIG Network's policy-assistant grew from).
// Input (stdin, JSON): {"policies": [NetworkPolicy...], "flows": [{"from": peer, "to": peer, "port": 443, "protocol": "TCP"}]}
// where a peer is {"namespace", "namespaceLabels", "podLabels", "ip"} (no namespace: outside the cluster).
// Output (stdout, JSON): [{"egress": bool, "ingress": bool}] in the order of the flows.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

type peer struct {
	Namespace       string            `json:"namespace"`
	NamespaceLabels map[string]string `json:"namespaceLabels"`
	PodLabels       map[string]string `json:"podLabels"`
	IP              string            `json:"ip"`
}

type flow struct {
	From     peer   `json:"from"`
	To       peer   `json:"to"`
	Port     int    `json:"port"`
	PortName string `json:"portName"`
	Protocol string `json:"protocol"`
}

type input struct {
	Policies []*networkingv1.NetworkPolicy `json:"policies"`
	Flows    []flow                        `json:"flows"`
}

type verdict struct {
	Egress  bool `json:"egress"`
	Ingress bool `json:"ingress"`
}

func trafficPeer(p peer) *matcher.TrafficPeer {
	if p.Namespace == "" {
		return &matcher.TrafficPeer{IP: p.IP}
	}
	return &matcher.TrafficPeer{IP: p.IP, Internal: &matcher.InternalPeer{Namespace: p.Namespace, NamespaceLabels: p.NamespaceLabels, PodLabels: p.PodLabels}}
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "netpol-eval: input:", err)
		os.Exit(2)
	}
	policy := matcher.BuildNetworkPolicies(false, in.Policies)
	out := make([]verdict, 0, len(in.Flows))
	for _, f := range in.Flows {
		protocol := v1.ProtocolTCP
		if f.Protocol != "" {
			protocol = v1.Protocol(f.Protocol)
		}
		r := policy.IsTrafficAllowed(&matcher.Traffic{Source: trafficPeer(f.From), Destination: trafficPeer(f.To), ResolvedPort: f.Port, ResolvedPortName: f.PortName, Protocol: protocol})
		out = append(out, verdict{Egress: r.Egress.IsAllowed(), Ingress: r.Ingress.IsAllowed()})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "netpol-eval: output:", err)
		os.Exit(2)
	}
}
