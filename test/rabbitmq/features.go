//go:build e2e

package rabbitmq

// Helpers of the feature scenarios (TLS, default user, community plugins, startup probe): the test PKI, a minimal
// plugin archive, /proc inspection and the management API.

import (
	"archive/zip"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------- test PKI (spec.tls)

// testPKI is a throw-away CA (ECDSA P-256) and one server certificate for a deployment: IP SANs for its whole block
// of loopback addresses, DNS SANs for the pods' names (<pod>.<headless>.<ns>.svc[.cluster.local], by wildcard) and
// the client Service. PEM, as in a kubernetes.io/tls Secret (tls.key in SEC1 "EC PRIVATE KEY" form, as
// cert-manager writes ECDSA keys by default).
type testPKI struct {
	caCert, serverCert, serverKey []byte
	pool                          *x509.CertPool
}

func (d *deployment) testPKI() (*testPKI, error) {
	if d.pki != nil {
		return d.pki, nil
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "rabbitmq-krm e2e test CA " + d.name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ns, svc := d.podNamespace(), d.sts.Spec.ServiceName
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: d.sts.Name + "." + ns + ".svc"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{
			"*." + svc + "." + ns + ".svc." + clusterDomain, "*." + svc + "." + ns + ".svc",
			d.sts.Name + "." + ns + ".svc", d.sts.Name + "." + ns + ".svc." + clusterDomain, "localhost",
		},
	}
	for i := 0; i < 10; i++ {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(d.podIP(i)))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	d.pki = &testPKI{
		caCert:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		serverCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		serverKey:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		pool:       pool,
	}
	return d.pki, nil
}

// ---------------------------------------------------------------- community plugin archive

// pluginEZ builds a minimal RabbitMQ plugin archive: <name>-<vsn>/ebin/<name>.app, a library application (no
// modules, no mod) that depends on rabbit, as RabbitMQ's plugin loader wants it.
func pluginEZ(name, vsn string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	top := name + "-" + vsn + "/"
	for _, dir := range []string{top, top + "ebin/"} {
		if _, err := zw.Create(dir); err != nil {
			return nil, err
		}
	}
	w, err := zw.Create(top + "ebin/" + name + ".app")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, `{application, %s, [{description, "rabbitmq-krm e2e test plugin"}, {vsn, "%s"}, {modules, []}, {registered, []}, {applications, [kernel, stdlib, rabbit]}, {env, []}, {broker_version_requirements, []}]}.`+"\n", name, vsn)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ---------------------------------------------------------------- /proc

// descendants returns pid and every process below it (by PPid), e.g. beam.smp -> erl_child_setup -> inet_gethost.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may contain spaces and parentheses, so parse after the last ')'.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 2 {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

func procFile(pid int, name string) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, name))
	return strings.ReplaceAll(string(b), "\x00", " ")
}

// ---------------------------------------------------------------- management API

type whoami struct {
	Name string `json:"name"`
	Tags any    `json:"tags"` // 3.10: a list; older: a comma-separated string
}

func (w whoami) tags() []string {
	switch t := w.Tags.(type) {
	case string:
		return strings.Split(t, ",")
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// mgmtWhoami calls GET <base>/api/whoami with HTTP basic auth. pool != nil: https verified against that CA.
func mgmtWhoami(base, user, pass string, pool *x509.CertPool) (whoami, int, error) {
	var w whoami
	client := &http.Client{Timeout: 20 * time.Second}
	if pool != nil {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	req, err := http.NewRequest("GET", base+"/api/whoami", nil)
	if err != nil {
		return w, 0, err
	}
	req.SetBasicAuth(user, pass)
	req.Close = true // no idle keep-alive connection: the broker's HTTP listener would wait for it on shutdown
	resp, err := client.Do(req)
	if err != nil {
		return w, 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return w, resp.StatusCode, fmt.Errorf("GET %s/api/whoami: %s: %s", base, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return w, resp.StatusCode, fmt.Errorf("whoami JSON: %v: %s", err, body)
	}
	return w, resp.StatusCode, nil
}

// waitHTTP polls until base answers at all (the management listener starts a moment after "startup complete").
func waitHTTP(base string, pool *x509.CertPool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, code, err := mgmtWhoami(base, "", "", pool)
		if code != 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// envValue returns the value of key in a KEY=value list (a process env), "" when absent.
func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// bannerConfigFiles returns the files the broker's boot banner lists under "Config file(s):" (the advanced config
// first, then the rabbitmq.conf/conf.d files it loaded).
func bannerConfigFiles(log string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(log, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "Config file(s):"); ok {
			in, out = true, nil
			l = rest
		} else if !in {
			continue
		}
		f := strings.TrimSpace(l)
		if f == "" || !strings.HasPrefix(f, "/") {
			in = false
			continue
		}
		out = append(out, f)
	}
	return out
}

// checkBannerConfigFiles: the broker says it read the advanced config the container env names, then the main
// rabbitmq.conf (mounted from the ConfigMap), then exactly the conf.d files (not advanced.config as a rabbitmq.conf
// file).
func checkBannerConfigFiles(p *pod) error {
	_, adv, ok := p.advancedConfig()
	if !ok {
		return fmt.Errorf("pod %s has no advanced config", p.name)
	}
	mainFile, _, _ := p.configPaths()
	main, _ := p.localPath(p.mounts, mainFile)
	_, confs := p.confFiles()
	want := append([]string{adv, main}, confs...)
	got := bannerConfigFiles(p.logSinceStart())
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		return fmt.Errorf("pod %s: the boot banner lists config files %q, want %q", p.name, got, want)
	}
	return nil
}
