package k8s

import (
	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/authquake/authquake/harness/coord"
)

// Who may reach the coordination endpoint, which shard 0 serves on the pod
// network (0.0.0.0):
//
//	Secret NAME-token ──env AUTHQUAKE_RUN_TOKEN──▶ every shard: the endpoint
//	                                               answers no one without it
//	NetworkPolicy NAME-coordination: ingress to the job's pods only from the
//	                                 job's pods, on the endpoint's port only
//
// A NetworkPolicy binds only where the cluster's network plugin enforces
// it; the token binds everywhere.

// jobPods selects the pods of the Job: the job controller labels each.
func (o Options) jobPods() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/job-name": o.Name}}
}

// tokenSecret holds the run's token, made by authquake k8s (the run's
// owner) and read by every shard as coord.TokenEnv.
func (o Options) tokenSecret() *corev1.Secret {
	return &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: o.meta(o.Name + "-token"),
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"token": []byte(o.Token)}}
}

// tokenEnv is the shard's variable that reads the secret.
func (o Options) tokenEnv() corev1.EnvVar {
	return corev1.EnvVar{Name: coord.TokenEnv, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: o.Name + "-token"}, Key: "token"}}}
}

// networkPolicy admits to the job's pods only the job's pods, and only on
// the coordination port: nothing else in the cluster reaches the endpoint.
func (o Options) networkPolicy() *netv1.NetworkPolicy {
	tcp := corev1.ProtocolTCP
	port := intstr.FromInt32(int32(o.Port))
	return &netv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: o.meta(o.Name + "-coordination"),
		Spec: netv1.NetworkPolicySpec{
			PodSelector: *o.jobPods(),
			PolicyTypes: []netv1.PolicyType{netv1.PolicyTypeIngress},
			Ingress: []netv1.NetworkPolicyIngressRule{{
				From:  []netv1.NetworkPolicyPeer{{PodSelector: o.jobPods()}},
				Ports: []netv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
			}},
		}}
}
