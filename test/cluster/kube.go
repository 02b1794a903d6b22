//go:build e2e

package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// kubectl runs the node's kubectl (PATH and KUBECONFIG come from `node.sh env`) with a timeout.
func kubectl(timeout time.Duration, stdin []byte, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %v: %s%s", strings.Join(args, " "), err, errb.String(), out.String())
	}
	return out.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// createNamespace is the README's `kubectl create namespace`; the label lets node.sh down find leftovers.
func createNamespace(ns string) error {
	if _, err := kubectl(30*time.Second, nil, "create", "namespace", ns); err != nil {
		return err
	}
	_, err := kubectl(30*time.Second, nil, "label", "namespace", ns, "rabbitmq-krm.dev/test=cluster")
	return err
}

// createSecrets makes every Secret the pods mount, the way README.md tells a user to: the cookie with
// `kubectl create secret generic <name> --from-literal=<key>=$(openssl rand -hex 32)`, the default user as a
// basic-auth Secret from files (user/password: these exact bytes; "": random), TLS as a kubernetes.io/tls
// Secret from a throw-away CA. Returns the default user's credentials and the CA file.
func createSecrets(r *rendered, dir, user, password string) (creds map[string]string, err error) {
	creds = map[string]string{}
	for _, s := range r.secrets {
		var args []string
		switch s.volume {
		case "erlang-cookie-secret":
			args = []string{"create", "secret", "generic", s.name, "--from-literal=" + cookieKey(r) + "=" + randomHex(32)}
		case "default-user-secret":
			if args, err = userSecretArgs(s.name, dir, user, password, creds); err != nil {
				return nil, err
			}
		case "tls":
			crt, key, ca, err := serverCert(dir, r)
			if err != nil {
				return nil, err
			}
			creds["ca"] = ca
			args = []string{"create", "secret", "tls", s.name, "--cert=" + crt, "--key=" + key}
		case pullSecret:
			// the README's way; no registry is reachable here, the images are imported on the node
			args = []string{"create", "secret", "docker-registry", s.name, "--docker-server=registry.rabbitmq-krm.test",
				"--docker-username=puller", "--docker-password=" + randomHex(16)}
		default:
			return nil, fmt.Errorf("the pods mount Secret %s (volume %s), which the harness does not know how to create", s.name, s.volume)
		}
		if _, err := kubectl(30*time.Second, nil, append([]string{"-n", r.namespace}, args...)...); err != nil {
			return nil, err
		}
	}
	return creds, nil
}

// userSecretArgs: `kubectl create secret generic NAME --type=kubernetes.io/basic-auth --from-file=username=...
// --from-file=password=...`, the README's way, which keeps every byte of a value (files, not arguments).
func userSecretArgs(name, dir, user, password string, creds map[string]string) ([]string, error) {
	if user == "" {
		user, password = "admin-"+randomHex(3), randomHex(16)
	}
	creds["username"], creds["password"] = user, password
	args := []string{"create", "secret", "generic", name, "--type=kubernetes.io/basic-auth"}
	for _, k := range []string{"username", "password"} {
		f := filepath.Join(dir, "secret-"+k)
		if err := os.WriteFile(f, []byte(creds[k]), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--from-file="+k+"="+f)
	}
	return args, nil
}

// cookieKey is the Secret key the cookie volume projects (default .erlang.cookie, spec.erlangCookie.secretKey).
func cookieKey(r *rendered) string {
	for _, d := range r.docs {
		if str(d["kind"]) != "StatefulSet" || str(get(d, "metadata", "name")) != r.stsName {
			continue
		}
		for _, v := range list(get(d, "spec", "template", "spec", "volumes")) {
			if str(get(v, "name")) == "erlang-cookie-secret" {
				if items := list(get(v, "secret", "items")); len(items) > 0 {
					return str(get(items[0], "key"))
				}
			}
		}
	}
	return ".erlang.cookie"
}

// serverCert makes a CA and a server certificate for the client Service and every pod's name with openssl.
func serverCert(dir string, r *rendered) (crt, key, ca string, err error) {
	sans := fmt.Sprintf("DNS:%s.%s.svc.cluster.local,DNS:*.%s-nodes.%s.svc.cluster.local", r.stsName, r.namespace, r.stsName, r.namespace)
	run := func(args ...string) error {
		out, err := exec.Command("openssl", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("openssl %s: %v: %s", args[0], err, out)
		}
		return nil
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	ec := []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"}
	if err = run(append([]string{"req", "-x509"}, append(ec, "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "2", "-subj", "/CN=rabbitmq-krm-test-ca")...)...); err != nil {
		return
	}
	if err = run(append([]string{"req"}, append(ec, "-keyout", p("tls.key"), "-out", p("tls.csr"), "-subj", "/CN="+r.stsName)...)...); err != nil {
		return
	}
	if err = os.WriteFile(p("ext"), []byte("subjectAltName="+sans+"\nextendedKeyUsage=serverAuth\n"), 0o600); err != nil {
		return
	}
	err = run("x509", "-req", "-in", p("tls.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial",
		"-out", p("tls.crt"), "-days", "2", "-extfile", p("ext"))
	return p("tls.crt"), p("tls.key"), p("ca.crt"), err
}

// createLocalPVs makes one local PersistentVolume per claim of the default StorageClass (node.sh), each its own
// host directory: what a dynamic provisioner would hand out. The kubelet applies fsGroup to local volumes.
func createLocalPVs(r *rendered, pvRoot, node string) error {
	var b bytes.Buffer
	for i := 0; i < r.claims; i++ {
		name := fmt.Sprintf("%s-pv-%d", r.namespace, i)
		dir := filepath.Join(pvRoot, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: PersistentVolume
metadata: {name: %s, labels: {rabbitmq-krm.dev/test-namespace: %s}}
spec:
  capacity: {storage: %s}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: rabbitmq-krm-local
  local: {path: %s}
  nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [%s]}]}]}}
`, name, r.namespace, r.claimSize.String(), dir, node)
	}
	if r.claims == 0 {
		return nil
	}
	_, err := kubectl(30*time.Second, b.Bytes(), "apply", "-f", "-")
	return err
}

// deleteCase removes a case's namespace (pods first, with a short grace: the rendered preStop may wait up to
// 30 min for quorum, which is right for production and pointless at teardown), its PVs and their directories.
func deleteCase(ns, pvRoot string) {
	kubectl(60*time.Second, nil, "-n", ns, "delete", "pods", "--all", "--grace-period=2", "--wait=false")
	kubectl(3*time.Minute, nil, "delete", "namespace", ns, "--wait=true", "--timeout=170s")
	kubectl(60*time.Second, nil, "delete", "pv", "-l", "rabbitmq-krm.dev/test-namespace="+ns, "--wait=true")
	matches, _ := filepath.Glob(filepath.Join(pvRoot, ns+"-pv-*"))
	for _, m := range matches {
		os.RemoveAll(m)
	}
}

// podIPs returns pod name -> IP for the broker pods.
func podIPs(ns, sts string, replicas int) (map[string]string, error) {
	out, err := kubectl(30*time.Second, nil, "-n", ns, "get", "pods", "-o", "json")
	if err != nil {
		return nil, err
	}
	var l struct {
		Items []struct {
			Metadata struct{ Name string }
			Status   struct{ PodIP string }
		}
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		return nil, err
	}
	ips := map[string]string{}
	for i := 0; i < replicas; i++ {
		for _, p := range l.Items {
			if p.Metadata.Name == fmt.Sprintf("%s-%d", sts, i) && p.Status.PodIP != "" {
				ips[p.Metadata.Name] = p.Status.PodIP
			}
		}
	}
	return ips, nil
}

// createConfigMaps creates ConfigMaps from files (kubectl create configmap --from-file), as a user would.
func createConfigMaps(ns, dir string, cms map[string]map[string]string) error {
	for name, data := range cms {
		args := []string{"-n", ns, "create", "configmap", name}
		for key, value := range data {
			f := filepath.Join(dir, "configmap-"+name+"-"+key)
			if err := os.WriteFile(f, []byte(value), 0o600); err != nil {
				return err
			}
			args = append(args, "--from-file="+key+"="+f)
		}
		if out, err := kubectl(30*time.Second, nil, args...); err != nil {
			return fmt.Errorf("configmap %s: %v %s", name, err, out)
		}
	}
	return nil
}
