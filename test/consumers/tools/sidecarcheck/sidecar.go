package main

import (
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkSidecar checks what the argocd/ component must add to Argo CD's argocd-repo-server.
func checkSidecar(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	nodes, err := kio.FromBytes(b)
	if err != nil {
		return []string{err.Error()}
	}
	var p []string
	var deploy *yaml.RNode
	cms := map[string]*yaml.RNode{}
	for _, n := range nodes {
		switch {
		case n.GetKind() == "Deployment" && n.GetName() == "argocd-repo-server":
			deploy = n
		case n.GetKind() == "ConfigMap":
			cms[n.GetName()] = n
		}
	}
	if deploy == nil {
		return []string{"no argocd-repo-server Deployment"}
	}
	spec, _ := deploy.Pipe(yaml.Lookup("spec", "template", "spec"))
	byName := func(list string) map[string]*yaml.RNode {
		out := map[string]*yaml.RNode{}
		l, _ := spec.Pipe(yaml.Lookup(list))
		if l != nil {
			els, _ := l.Elements()
			for _, e := range els {
				out[yaml.GetValue(e.Field("name").Value)] = e
			}
		}
		return out
	}
	get := func(n *yaml.RNode, path ...string) string {
		v, _ := n.Pipe(yaml.Lookup(path...))
		if v == nil {
			return ""
		}
		s, _ := v.String()
		return strings.TrimSpace(s)
	}
	containers, inits, volumes := byName("containers"), byName("initContainers"), byName("volumes")
	if containers["argocd-repo-server"] == nil {
		p = append(p, "the repo-server container was lost")
	}
	if inits["copyutil"] == nil {
		p = append(p, "the copyutil init container was lost")
	}
	side := containers["rabbitmq-krm"]
	if side == nil {
		return append(p, "no rabbitmq-krm sidecar container")
	}
	if got := get(side, "command"); got != "- /var/run/argocd/argocd-cmp-server" {
		p = append(p, "sidecar command is "+got)
	}
	if get(side, "securityContext", "runAsNonRoot") != "true" || get(side, "securityContext", "runAsUser") != "999" {
		p = append(p, "sidecar must run as non-root uid 999")
	}
	if !strings.Contains(get(side, "env"), "value: /rabbitmq-krm/bin:") {
		p = append(p, "sidecar PATH must start with /rabbitmq-krm/bin")
	}
	init := inits["rabbitmq-krm-install"]
	if init == nil {
		p = append(p, "no rabbitmq-krm-install init container")
	} else {
		if !strings.HasPrefix(get(init, "image"), "ghcr.io/rabbitmq-krm/rabbitmq-krm:") {
			p = append(p, "install init container image is "+get(init, "image"))
		}
		if get(init, "args") != "- install-binary\n- /rabbitmq-krm/bin" {
			p = append(p, "install init container args are "+get(init, "args"))
		}
	}
	mounts := map[string]string{}
	for _, c := range []*yaml.RNode{side, init} {
		if c == nil {
			continue
		}
		l, _ := c.Pipe(yaml.Lookup("volumeMounts"))
		els, _ := l.Elements()
		for _, m := range els {
			name := yaml.GetValue(m.Field("name").Value)
			if volumes[name] == nil {
				p = append(p, "volumeMount "+name+" has no volume")
			}
			if c == side {
				mounts[yaml.GetValue(m.Field("mountPath").Value)] = name
			}
		}
	}
	for _, mp := range []string{"/var/run/argocd", "/home/argocd/cmp-server/plugins", "/home/argocd/cmp-server/config", "/tmp", "/rabbitmq-krm/bin"} {
		if mounts[mp] == "" {
			p = append(p, "sidecar lacks a mount at "+mp)
		}
	}
	cmVol := volumes[mounts["/home/argocd/cmp-server/config"]]
	if cmVol != nil {
		cmName := get(cmVol, "configMap", "name")
		cm := cms[cmName]
		if cm == nil {
			p = append(p, fmt.Sprintf("config volume refers to ConfigMap %q, which the install does not contain", cmName))
		} else {
			for _, key := range []string{"plugin.yaml", "generate.sh", "discover.sh"} {
				if get(cm, "data", key) == "" {
					p = append(p, "ConfigMap "+cmName+" lacks "+key)
				}
			}
			if cm.GetNamespace() != deploy.GetNamespace() {
				p = append(p, "ConfigMap and Deployment are in different namespaces")
			}
		}
	}
	return p
}
