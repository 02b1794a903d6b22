//go:build e2e

package rabbitmq

// A kubelet stand-in: it turns the pod template of a rendered StatefulSet into local processes.
//
// For pod <sts>-<i> it
//   - materializes the pod's volumes: configMap/secret (with items and modes) -> files in a per-pod dir;
//     emptyDir -> a per-pod dir (fresh for every new pod, kept across container restarts);
//     persistentVolumeClaim -> ONE local dir per claim, shared by every pod that mounts it (the article's NFS
//     volume); volumeClaimTemplates -> one dir per pod (PVC <template>-<sts>-<i>);
//   - maps container paths to local paths by the longest volumeMount prefix (paths outside every mount that
//     RabbitMQ uses, such as /etc/rabbitmq, go to a per-pod "image filesystem" dir);
//   - builds the container environment in order, like kubelet's makeEnvironmentVariables: service-link variables,
//     envFrom, then env with fieldRef (metadata.name = <sts>-<i>, metadata.namespace, status.podIP, ...) and $(VAR)
//     expansion; then rewrites env values that are paths into mounts;
//   - EXECUTES the init containers' command/args ($(VAR)-expanded, paths rewritten, run with /bin/sh etc. of this
//     host) in order, each must exit 0; then starts the main container's process (Debian's rabbitmq-server),
//     restarts it when it crashes (restartPolicy Always, like the kubelet) up to a limit, runs readiness probes,
//     runs the preStop hook and sends SIGTERM on stop (SIGKILL after the grace period).
//
// Test-only additions to a broker process (the only deviations from the pod): the per-pod listener IP override
// file in conf.d, RABBITMQ_DIST_PORT and the dist interface, the private epmd (ERL_EPMD_PORT + epmd module),
// ERL_INETRC (pod DNS names), RABBITMQ_CONF_ENV_FILE/config file defaults pointing into the pod's image dir, and
// detached=1 (so that sbin/rabbitmq-server execs erl and the exit code is real).

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	rmqBin        = "/usr/lib/rabbitmq/bin" // NOT /usr/sbin: those wrappers su to the rabbitmq user (G1)
	clusterDomain = "cluster.local"
)

// imageEnv is what the official rabbitmq image sets (Dockerfile ENV), with PATH pointing at this host's broker.
func imageEnv() []string {
	return []string{
		"PATH=" + rmqBin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"RABBITMQ_DATA_DIR=/var/lib/rabbitmq",
		"HOME=/var/lib/rabbitmq",
		"RABBITMQ_LOGS=-",
		"LANG=C.UTF-8", "LANGUAGE=C.UTF-8", "LC_ALL=C.UTF-8",
	}
}

// Paths the image owns (outside every volume) that RabbitMQ reads or writes: they go to the pod's image dir.
var imagePaths = []string{"/etc/rabbitmq", "/var/lib/rabbitmq", "/var/log/rabbitmq", "/tmp", "/opt/rabbitmq"}

type mount struct {
	containerPath string
	local         string
}

type pod struct {
	d        *deployment
	name     string
	slot     int // IP slot: 127.0.0.(ipBase+slot)
	ip       string
	distPort int
	uid      string
	dir      string            // per pod instance: volumes (emptyDir, configMap, secret), image fs
	volumes  map[string]string // volume name -> local dir
	env      map[string]string // main container env as the container sees it (container paths)
	procEnv  []string          // the broker process env (local paths + test-only additions)
	mounts   []mount           // main container mounts, longest path first

	mu        sync.Mutex
	cmd       *exec.Cmd
	exited    chan struct{}
	exitCode  int
	logPath   string
	logOffset int64
	restarts  int
	starts    int
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newPod "schedules" a new pod object: a new UID, fresh emptyDirs, materialized configMap/secret volumes.
func (d *deployment) newPod(name string) (*pod, error) {
	return d.newPodIn(name, "")
}

// newPodIn is newPod with the pod's own files in dir ("" = <case>/pods/<pod>-<uid>).
func (d *deployment) newPodIn(name, dir string) (*pod, error) {
	slot, ok := d.slots[name]
	if !ok {
		return nil, fmt.Errorf("pod %s has no IP slot (inetrc is written before pods are created)", name)
	}
	p := &pod{d: d, name: name, slot: slot, ip: d.podIP(slot), distPort: d.h.distBase + d.ipBase + slot,
		uid: randomHex(4), volumes: map[string]string{}}
	p.dir = dir
	if p.dir == "" {
		p.dir = filepath.Join(d.dir, "pods", name+"-"+p.uid)
	}
	p.logPath = filepath.Join(d.dir, "logs", name+".log")
	if err := p.makeImageFS(); err != nil {
		return nil, err
	}
	spec := &d.sts.Spec.Template.Spec
	for _, v := range spec.Volumes {
		local, err := d.materializeVolume(p, v)
		if err != nil {
			return nil, fmt.Errorf("pod %s volume %s: %v", name, v.Name, err)
		}
		p.volumes[v.Name] = local
	}
	for _, vct := range d.sts.Spec.VolumeClaimTemplates {
		// The StatefulSet controller creates PVC <template>-<pod>; it outlives the pod.
		claim := vct.Name + "-" + name
		local := filepath.Join(d.dir, "volumes", "pvc-"+claim)
		if err := os.MkdirAll(local, 0o777); err != nil {
			return nil, err
		}
		if err := d.applyFSGroup(local, true); err != nil { // a provisioned block volume: fsGroup applies
			return nil, err
		}
		p.volumes[vct.Name] = local
	}
	main := d.mainContainer()
	var err error
	if p.mounts, err = p.mountsFor(main); err != nil {
		return nil, err
	}
	if p.env, err = p.containerEnv(main); err != nil {
		return nil, err
	}
	return p, nil
}

func (d *deployment) materializeVolume(p *pod, v corev1.Volume) (string, error) {
	dir, err := d.materializeVolumeFiles(p, v)
	if err != nil {
		return "", err
	}
	if v.PersistentVolumeClaim != nil && d.nfsBacked(v.PersistentVolumeClaim.ClaimName) || v.NFS != nil {
		// fsGroup is not applied to NFS volumes: the export itself must be writable by the pod's uid. The harness
		// models an export whose directory is world-writable (mode 0777).
		return dir, os.Chmod(dir, 0o777)
	}
	return dir, d.applyFSGroup(dir, v.EmptyDir != nil || v.PersistentVolumeClaim != nil)
}

func (d *deployment) materializeVolumeFiles(p *pod, v corev1.Volume) (string, error) {
	switch {
	case v.EmptyDir != nil:
		dir := filepath.Join(p.dir, "volumes", v.Name)
		return dir, os.MkdirAll(dir, 0o777)
	case v.DownwardAPI != nil:
		data := map[string][]byte{}
		var items []corev1.KeyToPath
		for _, it := range v.DownwardAPI.Items {
			if it.FieldRef == nil {
				return "", fmt.Errorf("downwardAPI item %s: only fieldRef is supported", it.Path)
			}
			val, err := p.fieldRef(it.FieldRef.FieldPath)
			if err != nil {
				return "", err
			}
			data[it.Path] = []byte(val)
			items = append(items, corev1.KeyToPath{Key: it.Path, Path: it.Path, Mode: it.Mode})
		}
		return writeProjected(filepath.Join(p.dir, "volumes", v.Name), data, items, v.DownwardAPI.DefaultMode, "downwardAPI")
	case v.ConfigMap != nil:
		cm, ok := d.configMaps[v.ConfigMap.Name]
		if !ok {
			if v.ConfigMap.Optional != nil && *v.ConfigMap.Optional {
				dir := filepath.Join(p.dir, "volumes", v.Name)
				return dir, os.MkdirAll(dir, 0o755)
			}
			return "", fmt.Errorf("configMap %q not found in the manifests (the pod would stay in ContainerCreating)", v.ConfigMap.Name)
		}
		data := map[string][]byte{}
		for k, s := range cm.Data {
			data[k] = []byte(s)
		}
		return writeProjected(filepath.Join(p.dir, "volumes", v.Name), data, v.ConfigMap.Items, v.ConfigMap.DefaultMode, "configMap "+cm.Name)
	case v.Secret != nil:
		s, ok := d.secrets[v.Secret.SecretName]
		if !ok {
			return "", fmt.Errorf("secret %q not found (rendered or test-supplied)", v.Secret.SecretName)
		}
		return writeProjected(filepath.Join(p.dir, "volumes", v.Name), secretValues(s), v.Secret.Items, v.Secret.DefaultMode, "secret "+s.Name)
	case v.PersistentVolumeClaim != nil:
		claim := v.PersistentVolumeClaim.ClaimName
		if d.m.find("PersistentVolumeClaim", d.namespace, claim) == nil {
			return "", fmt.Errorf("persistentVolumeClaim %q is not in the manifests (the pod would stay Pending)", claim)
		}
		// One directory per claim, shared by all pods: exactly a ReadWriteMany NFS volume.
		dir := filepath.Join(d.dir, "volumes", "pvc-"+claim)
		return dir, os.MkdirAll(dir, 0o755)
	case v.NFS != nil:
		dir := filepath.Join(d.dir, "volumes", "nfs-"+strings.NewReplacer("/", "_", ":", "_").Replace(v.NFS.Server+v.NFS.Path))
		return dir, os.MkdirAll(dir, 0o777)
	}
	return "", fmt.Errorf("unsupported volume source (harness knows emptyDir, configMap, secret, persistentVolumeClaim, nfs)")
}

// nfsBacked: the claim is bound (volumeName) to a PersistentVolume of type nfs in the manifests.
func (d *deployment) nfsBacked(claim string) bool {
	o := d.m.find("PersistentVolumeClaim", d.namespace, claim)
	if o == nil {
		return false
	}
	var c corev1.PersistentVolumeClaim
	if decodeInto(o, &c) != nil || c.Spec.VolumeName == "" {
		return false
	}
	po := d.m.find("PersistentVolume", "", c.Spec.VolumeName)
	if po == nil {
		return false
	}
	var v corev1.PersistentVolume
	return decodeInto(po, &v) == nil && v.Spec.NFS != nil
}

// applyFSGroup does what the kubelet does for fsGroup: group ownership, group read (and write for writable
// volumes), setgid on directories. Only possible (and only needed) when the harness runs as root.
func (d *deployment) applyFSGroup(dir string, writable bool) error {
	sc := d.sts.Spec.Template.Spec.SecurityContext
	if sc == nil || sc.FSGroup == nil || os.Geteuid() != 0 {
		return nil
	}
	gid := int(*sc.FSGroup)
	return filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, 0, gid); err != nil {
			return err
		}
		mode := info.Mode().Perm() | 0o040
		if info.IsDir() {
			mode |= 0o010 | os.ModeSetgid
		}
		if writable {
			mode |= 0o020
		}
		return os.Chmod(path, mode)
	})
}

// credential: the uid/gid the container runs as (securityContext runAsUser/runAsGroup, fsGroup as supplementary
// group), applied when the harness runs as root. nil: run as the harness user.
func (d *deployment) credential(c *corev1.Container) *syscall.Credential {
	if os.Geteuid() != 0 {
		return nil
	}
	var uid, gid *int64
	var groups []uint32
	if sc := d.sts.Spec.Template.Spec.SecurityContext; sc != nil {
		uid, gid = sc.RunAsUser, sc.RunAsGroup
		if sc.FSGroup != nil {
			groups = append(groups, uint32(*sc.FSGroup))
		}
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
	}
	if uid == nil || *uid == 0 {
		return nil
	}
	cr := &syscall.Credential{Uid: uint32(*uid), Gid: uint32(*uid), Groups: groups}
	if gid != nil {
		cr.Gid = uint32(*gid)
	}
	return cr
}

// makeImageFS creates the directories of the official image that RabbitMQ may touch outside the volumes. With
// readOnlyRootFilesystem they are root-owned and read-only; otherwise writable, as in the image (mode 0777).
func (p *pod) makeImageFS() error {
	root := filepath.Join(p.dir, "image")
	for _, dir := range []string{"etc/rabbitmq/conf.d", "var/lib/rabbitmq", "var/log/rabbitmq", "tmp/rabbitmq-ssl", "opt/rabbitmq"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			return err
		}
	}
	// The official image keeps the plugins it ships in /opt/rabbitmq/plugins (RABBITMQ_HOME=/opt/rabbitmq): here
	// that is Debian's plugins dir (what `rabbitmq-plugins directories -s` prints for this broker).
	if err := os.Symlink(filepath.Join(p.d.h.rmqHome, "plugins"), filepath.Join(root, "opt/rabbitmq/plugins")); err != nil {
		return err
	}
	mode := os.FileMode(0o777)
	if sc := p.d.mainContainer().SecurityContext; sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
		mode = 0o555
	}
	return filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || !info.IsDir() || path == root {
			return err
		}
		return os.Chmod(path, mode)
	})
}

// writeProjected writes configMap/secret data like the kubelet's atomic writer: all keys, or only the listed
// items at their paths; file mode = item mode, else defaultMode, else 0644.
func writeProjected(dir string, data map[string][]byte, items []corev1.KeyToPath, defaultMode *int32, what string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	mode := os.FileMode(0o644)
	if defaultMode != nil {
		mode = os.FileMode(*defaultMode)
	}
	write := func(rel string, b []byte, m os.FileMode) error {
		f := filepath.Join(dir, filepath.Clean("/" + rel)[1:])
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f, b, m); err != nil {
			return err
		}
		return os.Chmod(f, m)
	}
	if len(items) == 0 {
		for k, b := range data {
			if err := write(k, b, mode); err != nil {
				return "", err
			}
		}
		return dir, nil
	}
	for _, it := range items {
		b, ok := data[it.Key]
		if !ok {
			return "", fmt.Errorf("%s has no key %q (volume item)", what, it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		if err := write(it.Path, b, m); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func (p *pod) mountsFor(c *corev1.Container) ([]mount, error) {
	var ms []mount
	for _, vm := range c.VolumeMounts {
		local, ok := p.volumes[vm.Name]
		if !ok {
			return nil, fmt.Errorf("container %s mounts volume %q that the pod does not define", c.Name, vm.Name)
		}
		if vm.SubPath != "" {
			// As the kubelet: an existing file or directory of the volume is mounted as it is
			// (rabbitmq.conf from the ConfigMap), a missing one is created as a directory.
			local = filepath.Join(local, vm.SubPath)
			if _, err := os.Stat(local); os.IsNotExist(err) {
				if err := os.MkdirAll(local, 0o777); err != nil {
					return nil, err
				}
			}
		}
		ms = append(ms, mount{containerPath: filepath.Clean(vm.MountPath), local: local})
	}
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].containerPath) > len(ms[j].containerPath) })
	return ms, nil
}

// localPath maps a container path to this host. ok=false: the path is neither in a mount nor in an image path
// RabbitMQ uses (e.g. /bin/sh), and stays as it is.
func (p *pod) localPath(mounts []mount, cpath string) (string, bool) {
	clean := filepath.Clean(cpath)
	for _, m := range mounts {
		if clean == m.containerPath {
			return m.local, true
		}
		if strings.HasPrefix(clean, m.containerPath+"/") || m.containerPath == "/" {
			return filepath.Join(m.local, strings.TrimPrefix(clean, m.containerPath)), true
		}
	}
	for _, ip := range imagePaths {
		if clean == ip || strings.HasPrefix(clean, ip+"/") {
			return filepath.Join(p.dir, "image", clean), true
		}
	}
	return cpath, false
}

var pathInText = regexp.MustCompile(`/[A-Za-z0-9._@%+~/-]+`)

// rewriteText rewrites every absolute path inside a command-line argument or script that points into a mount or
// an image path. A match must start the word (after space, quote, '=', ':' or start of text).
func (p *pod) rewriteText(mounts []mount, s string) string {
	idx := pathInText.FindAllStringIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, ix := range idx {
		if ix[0] > 0 && !strings.ContainsRune(" \t\n'\"=:;(&|<>`", rune(s[ix[0]-1])) {
			continue
		}
		b.WriteString(s[last:ix[0]])
		if l, ok := p.localPath(mounts, s[ix[0]:ix[1]]); ok {
			// Keep a trailing slash: "/tmp/default-user-secret/$1" must stay a path inside the directory.
			if strings.HasSuffix(s[ix[0]:ix[1]], "/") && !strings.HasSuffix(l, "/") {
				l += "/"
			}
			b.WriteString(l)
		} else {
			b.WriteString(s[ix[0]:ix[1]])
		}
		last = ix[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// serviceLinkEnv: the variables the kubelet injects for every Service of the pod's namespace that has a cluster IP
// (enableServiceLinks, default true), plus the "kubernetes" master service. Cluster IPs are made up.
func (d *deployment) serviceLinkEnv(enable bool) map[string]string {
	env := map[string]string{}
	add := func(name, ip string, ports []corev1.ServicePort) {
		if len(ports) == 0 {
			return
		}
		n := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		env[n+"_SERVICE_HOST"] = ip
		env[n+"_SERVICE_PORT"] = strconv.Itoa(int(ports[0].Port))
		for _, sp := range ports {
			if sp.Name != "" {
				env[n+"_SERVICE_PORT_"+strings.ToUpper(strings.ReplaceAll(sp.Name, "-", "_"))] = strconv.Itoa(int(sp.Port))
			}
		}
		proto := func(sp corev1.ServicePort) string {
			if sp.Protocol == "" {
				return "TCP"
			}
			return strings.ToUpper(string(sp.Protocol))
		}
		env[n+"_PORT"] = fmt.Sprintf("%s://%s:%d", strings.ToLower(proto(ports[0])), ip, ports[0].Port)
		for _, sp := range ports {
			pre := fmt.Sprintf("%s_PORT_%d_%s", n, sp.Port, proto(sp))
			env[pre] = fmt.Sprintf("%s://%s:%d", strings.ToLower(proto(sp)), ip, sp.Port)
			env[pre+"_PROTO"] = strings.ToLower(proto(sp))
			env[pre+"_PORT"] = strconv.Itoa(int(sp.Port))
			env[pre+"_ADDR"] = ip
		}
	}
	if enable {
		for i, o := range d.m.ofKind("Service") {
			var s corev1.Service
			if decodeInto(o, &s) != nil || s.Spec.ClusterIP == "None" {
				continue
			}
			if s.Namespace != "" && s.Namespace != d.namespace {
				continue
			}
			ip := s.Spec.ClusterIP
			if ip == "" {
				ip = fmt.Sprintf("10.96.%d.%d", 100+i, 10+i)
			}
			add(s.Name, ip, s.Spec.Ports)
		}
	}
	add("kubernetes", "10.96.0.1", []corev1.ServicePort{{Name: "https", Port: 443}})
	return env
}

// containerEnv builds the env of container c as the kubelet does, in container terms (no path rewriting).
func (p *pod) containerEnv(c *corev1.Container) (map[string]string, error) {
	spec := &p.d.sts.Spec.Template.Spec
	svcEnv := p.d.serviceLinkEnv(spec.EnableServiceLinks == nil || *spec.EnableServiceLinks)
	tmp := map[string]string{}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm, ok := p.d.configMaps[ef.ConfigMapRef.Name]
			if !ok {
				return nil, fmt.Errorf("envFrom configMap %q not found", ef.ConfigMapRef.Name)
			}
			for k, v := range cm.Data {
				tmp[ef.Prefix+k] = v
			}
		case ef.SecretRef != nil:
			s, ok := p.d.secrets[ef.SecretRef.Name]
			if !ok {
				return nil, fmt.Errorf("envFrom secret %q not found", ef.SecretRef.Name)
			}
			for k, v := range secretValues(s) {
				tmp[ef.Prefix+k] = string(v)
			}
		}
	}
	mapping := mappingFor(tmp, svcEnv)
	for _, e := range c.Env {
		var val string
		switch {
		case e.Value != "":
			val = expandVars(e.Value, mapping)
		case e.ValueFrom == nil:
			val = ""
		case e.ValueFrom.FieldRef != nil:
			v, err := p.fieldRef(e.ValueFrom.FieldRef.FieldPath)
			if err != nil {
				return nil, fmt.Errorf("env %s: %v", e.Name, err)
			}
			val = v
		case e.ValueFrom.SecretKeyRef != nil:
			s, ok := p.d.secrets[e.ValueFrom.SecretKeyRef.Name]
			if !ok {
				return nil, fmt.Errorf("env %s: secret %q not found", e.Name, e.ValueFrom.SecretKeyRef.Name)
			}
			b, ok := secretValues(s)[e.ValueFrom.SecretKeyRef.Key]
			if !ok {
				return nil, fmt.Errorf("env %s: secret %q has no key %q", e.Name, s.Name, e.ValueFrom.SecretKeyRef.Key)
			}
			val = string(b)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			cm, ok := p.d.configMaps[e.ValueFrom.ConfigMapKeyRef.Name]
			if !ok {
				return nil, fmt.Errorf("env %s: configMap %q not found", e.Name, e.ValueFrom.ConfigMapKeyRef.Name)
			}
			v, ok := cm.Data[e.ValueFrom.ConfigMapKeyRef.Key]
			if !ok {
				return nil, fmt.Errorf("env %s: configMap %q has no key %q", e.Name, cm.Name, e.ValueFrom.ConfigMapKeyRef.Key)
			}
			val = v
		default:
			return nil, fmt.Errorf("env %s: unsupported valueFrom (harness knows fieldRef, secretKeyRef, configMapKeyRef)", e.Name)
		}
		tmp[e.Name] = val
	}
	out := map[string]string{}
	for k, v := range svcEnv {
		out[k] = v
	}
	for k, v := range tmp {
		out[k] = v
	}
	out["HOSTNAME"] = p.name // set by the container runtime (pod hostname = pod name for a StatefulSet)
	return out, nil
}

func (p *pod) fieldRef(path string) (string, error) {
	meta := p.d.sts.Spec.Template.ObjectMeta
	switch path {
	case "metadata.name":
		return p.name, nil
	case "metadata.namespace":
		return p.d.podNamespace(), nil
	case "metadata.uid":
		return p.uid, nil
	case "status.podIP", "status.podIPs":
		return p.ip, nil
	case "status.hostIP", "status.hostIPs":
		return "127.0.0.1", nil
	case "spec.nodeName":
		return "e2e-local-node", nil
	case "spec.serviceAccountName":
		if sa := p.d.sts.Spec.Template.Spec.ServiceAccountName; sa != "" {
			return sa, nil
		}
		return "default", nil
	}
	if m := regexp.MustCompile(`^metadata\.(labels|annotations)\['([^']+)'\]$`).FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			l := map[string]string{}
			for k, v := range meta.Labels {
				l[k] = v
			}
			l["statefulset.kubernetes.io/pod-name"] = p.name
			return l[m[2]], nil
		}
		return meta.Annotations[m[2]], nil
	}
	return "", fmt.Errorf("unsupported fieldRef %q", path)
}

// processEnv turns a container env into the env of a local process: image env, then container env with paths
// rewritten into this pod's local dirs. No variable of the test process leaks in.
func (p *pod) processEnv(mounts []mount, cenv map[string]string) map[string]string {
	env := map[string]string{}
	for _, kv := range imageEnv() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k, v := range cenv {
		env[k] = v
	}
	for k, v := range env {
		if k == "PATH" || !strings.HasPrefix(v, "/") || strings.ContainsAny(v, " \t\n") {
			continue
		}
		// A path, or a list of paths (RABBITMQ_PLUGINS_DIR=/opt/rabbitmq/plugins:/opt/rabbitmq-krm/plugins).
		parts := strings.Split(v, ":")
		for i, part := range parts {
			if !strings.HasPrefix(part, "/") {
				break
			}
			if l, ok := p.localPath(mounts, part); ok {
				parts[i] = l
			}
		}
		env[k] = strings.Join(parts, ":")
	}
	return env
}

func envList(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// initError is a failed init container: the kubelet would restart it (and never start the main container).
type initError struct {
	pod, container string
	exitCode       int // -1: not started, killed or timed out
	output         string
	err            error
}

func (e *initError) Error() string {
	return fmt.Sprintf("init container %s of %s failed (exit %d): %v: %s", e.container, e.pod, e.exitCode, e.err, strings.TrimSpace(e.output))
}

// runInitContainers executes every init container's command, in order, like the kubelet; each must exit 0.
func (p *pod) runInitContainers() error { return p.runInitContainersIf(nil) }

// runInitContainersIf runs the init containers for which run returns true (nil: all), in order.
func (p *pod) runInitContainersIf(run func(*corev1.Container) bool) error {
	for i := range p.d.sts.Spec.Template.Spec.InitContainers {
		c := &p.d.sts.Spec.Template.Spec.InitContainers[i]
		if run != nil && !run(c) {
			continue
		}
		mounts, err := p.mountsFor(c)
		if err != nil {
			return err
		}
		cenv, err := p.containerEnv(c)
		if err != nil {
			return err
		}
		argv := append(append([]string{}, c.Command...), c.Args...)
		if len(argv) == 0 {
			return fmt.Errorf("init container %s has no command: the harness cannot run the image's entrypoint", c.Name)
		}
		mapping := mappingFor(cenv)
		local := make([]string, len(argv))
		for j, a := range argv {
			local[j] = p.rewriteText(mounts, expandVars(a, mapping))
		}
		penv := p.processEnv(mounts, cenv)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, local[0], local[1:]...)
		cmd.Env = envList(penv)
		cmd.Dir = filepath.Join(p.dir, "image")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.d.credential(c)}
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		cancel()
		logf := filepath.Join(p.d.dir, "logs", p.name+"-init-"+c.Name+".log")
		p.d.appendLog(filepath.Base(logf), fmt.Sprintf("==== %s pod dir %s\nargv (container): %q\nargv (local): %q\nexit: %v after %.1fs\n%s\n",
			time.Now().Format(time.RFC3339), p.dir, argv, local, err, time.Since(t0).Seconds(), out))
		if err != nil {
			ie := &initError{pod: p.name, container: c.Name, exitCode: -1, output: string(out), err: err}
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				ie.exitCode = ee.ExitCode()
			}
			return ie
		}
		p.d.logf("pod %s: init container %s ran in %.1fs: %s", p.name, c.Name, time.Since(t0).Seconds(), firstLine(fmt.Sprintf("%q", local)))
	}
	return nil
}

// ---------------------------------------------------------------- the main container

func (d *deployment) mainContainer() *corev1.Container {
	cs := d.sts.Spec.Template.Spec.Containers
	for i := range cs {
		if cs[i].Name == "rabbitmq" {
			return &cs[i]
		}
	}
	return &cs[0]
}

// prepareMain computes the broker process env and the per-pod test-only conf.d file.
func (p *pod) prepareMain() error {
	d := p.d
	env := p.processEnv(p.mounts, p.env)
	// Container defaults of the image (SYS_PREFIX is empty in the official image, as in Debian): make the
	// defaults explicit so that they resolve through the pod's mounts, not this host's /etc/rabbitmq. The conf.d
	// default is the pattern conf.d/*.conf (rabbit_env): a directory here would make RabbitMQ parse every file in
	// it as rabbitmq.conf, advanced.config included.
	defaults := map[string]string{
		"RABBITMQ_CONFIG_FILE":          "/etc/rabbitmq/rabbitmq.conf", // with the extension, so that a file mounted there maps
		"RABBITMQ_CONFIG_FILES":         defaultConfFiles,
		"RABBITMQ_ADVANCED_CONFIG_FILE": "/etc/rabbitmq/advanced.config",
		"RABBITMQ_CONF_ENV_FILE":        "/etc/rabbitmq/rabbitmq-env.conf",
		"RABBITMQ_ENABLED_PLUGINS_FILE": "/etc/rabbitmq/enabled_plugins",
		"RABBITMQ_MNESIA_BASE":          "/var/lib/rabbitmq/mnesia",
		"RABBITMQ_LOG_BASE":             "/var/log/rabbitmq",
	}
	for k, v := range defaults {
		if _, set := p.env[k]; !set {
			env[k], _ = p.localPath(p.mounts, v)
		}
	}
	// Nothing else is created for the broker: MNESIA_BASE (a subdir of the data volume) is RabbitMQ's to create.
	_, confDir, _ := p.configPaths()
	localConfDir, _ := p.localPath(p.mounts, confDir)
	if err := os.MkdirAll(localConfDir, 0o755); err != nil {
		return err
	}
	// The config as the init containers left it in conf.d: the only changes are the harness's override file
	// (every pod listens on its own loopback IP; container paths in values mapped through the pod's mounts).
	conf, plugins, err := p.renderedConf()
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.lastConf, d.lastPlugins = conf, plugins
	d.mu.Unlock()
	override := filepath.Join(localConfDir, harnessConfFile)
	if err := os.WriteFile(override, []byte(p.harnessOverride(conf)), 0o644); err != nil {
		return err
	}
	if pattern, files := p.confFiles(); !contains(files, override) {
		return fmt.Errorf("pod %s: the harness override %s is not among the files RabbitMQ reads (%s)", p.name, override, pattern)
	}
	// The advanced config the container env names (spec.defaultUser: conf.d/advanced.config from the setup
	// container) is the broker's, read as it is: the default above applies only when the env sets none, and the
	// harness writes no advanced config of its own (its override is a .conf file, which advanced.config overlays).
	if cpath, local, ok := p.advancedConfig(); ok && env["RABBITMQ_ADVANCED_CONFIG_FILE"] != local {
		return fmt.Errorf("pod %s: RABBITMQ_ADVANCED_CONFIG_FILE=%s for the broker, want %s (%s through the pod's mounts)", p.name, env["RABBITMQ_ADVANCED_CONFIG_FILE"], local, cpath)
	}
	// Test-only process settings (not config): dist port/interface, private epmd, pod DNS names, real exit code.
	env["RABBITMQ_DIST_PORT"] = strconv.Itoa(p.distPort)
	env["ERL_EPMD_PORT"] = strconv.Itoa(d.h.epmdPort)
	env["ERL_INETRC"] = d.inetrc
	extra := fmt.Sprintf("-pa %s -epmd_module e2e_pod_epmd -kernel inet_dist_use_interface {%s}", d.h.ebin, strings.ReplaceAll(p.ip, ".", ","))
	if v := env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"]; v != "" {
		extra = v + " " + extra
	}
	env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = extra
	env["detached"] = "1"
	p.procEnv = envList(env)
	var b strings.Builder
	for _, kv := range p.procEnv {
		fmt.Fprintln(&b, kv)
	}
	return os.WriteFile(filepath.Join(p.dir, "process.env"), []byte(b.String()), 0o644)
}

// harnessConfFile is the test-only conf.d file (the one deviation from the rendered config).
const harnessConfFile = "zz-e2e-harness-pod-ip.conf"

// defaultConfFiles is RabbitMQ's default RABBITMQ_CONFIG_FILES (rabbit_env: <config base dir>/conf.d/*.conf).
const defaultConfFiles = "/etc/rabbitmq/conf.d/*.conf"

// configPaths returns the container paths RabbitMQ reads its config from: the main config file, the conf.d
// directory, enabled_plugins (the image's defaults unless the container env sets them).
func (p *pod) configPaths() (mainFile, confDir, pluginsFile string) {
	mainFile, confDir, pluginsFile = "/etc/rabbitmq/rabbitmq", filepath.Dir(defaultConfFiles), "/etc/rabbitmq/enabled_plugins"
	if v := p.env["RABBITMQ_CONFIG_FILE"]; v != "" {
		mainFile = v
	}
	if v := p.env["RABBITMQ_CONFIG_FILES"]; v != "" {
		confDir = v
		if strings.ContainsAny(filepath.Base(v), "*?[{") {
			confDir = filepath.Dir(v)
		}
	}
	if v := p.env["RABBITMQ_ENABLED_PLUGINS_FILE"]; v != "" {
		pluginsFile = v
	}
	if !strings.HasSuffix(mainFile, ".conf") {
		mainFile += ".conf"
	}
	return mainFile, confDir, pluginsFile
}

// confFiles returns the conf.d files RabbitMQ reads, as rabbit_prelaunch_conf finds them: RABBITMQ_CONFIG_FILES
// (default conf.d/*.conf) is a wildcard pattern, or a directory meaning every regular file in it; in name order.
func (p *pod) confFiles() (pattern string, files []string) {
	pattern = defaultConfFiles
	if v := p.env["RABBITMQ_CONFIG_FILES"]; v != "" {
		pattern = v
	}
	local, _ := p.localPath(p.mounts, pattern)
	if st, err := os.Stat(local); err == nil && st.IsDir() {
		local = filepath.Join(local, "*")
	}
	matches, _ := filepath.Glob(local)
	for _, f := range matches {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	return pattern, files
}

// advancedConfig returns the advanced config file RabbitMQ reads (Erlang terms overlaid on rabbitmq.conf):
// RABBITMQ_ADVANCED_CONFIG_FILE of the container env (spec.defaultUser: conf.d/advanced.config, written by the
// setup container), else the image default /etc/rabbitmq/advanced.config; ok: the file exists in this pod.
func (p *pod) advancedConfig() (cpath, local string, ok bool) {
	cpath = "/etc/rabbitmq/advanced.config"
	if v := p.env["RABBITMQ_ADVANCED_CONFIG_FILE"]; v != "" {
		cpath = v
	}
	local, _ = p.localPath(p.mounts, cpath)
	st, err := os.Stat(local)
	return cpath, local, err == nil && st.Mode().IsRegular()
}

// renderedConf reads the config the broker of this pod will read, from the pod's own files (after the init
// containers): the main rabbitmq.conf if any, then the conf.d files (confFiles: *.conf in name order), without the
// harness's override file; and enabled_plugins. The advanced config is not part of it (see advancedConfig).
func (p *pod) renderedConf() (conf, plugins string, err error) {
	mainFile, confDir, pluginsFile := p.configPaths()
	var parts []string
	if l, ok := p.localPath(p.mounts, mainFile); ok {
		if b, err := os.ReadFile(l); err == nil {
			parts = append(parts, string(b))
		}
	}
	localDir, _ := p.localPath(p.mounts, confDir)
	_, files := p.confFiles()
	for _, f := range files {
		if filepath.Base(f) == harnessConfFile {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", "", fmt.Errorf("pod %s: %v", p.name, err)
		}
		parts = append(parts, string(b))
	}
	if len(parts) == 0 {
		return "", "", fmt.Errorf("pod %s: no rabbitmq.conf at %s nor in %s (local %s) after the init containers", p.name, mainFile, confDir, localDir)
	}
	lp, _ := p.localPath(p.mounts, pluginsFile)
	b, err := os.ReadFile(lp)
	if err != nil {
		return "", "", fmt.Errorf("pod %s: no enabled_plugins at %s: %v", p.name, pluginsFile, err)
	}
	return strings.Join(parts, "\n"), string(b), nil
}

// localizeConf rewrites the values of conf that are container paths into a mount (certfile, keyfile, ...) to
// this pod's local paths: used for the offline validation (cuttlefish checks that such files are readable).
func (p *pod) localizeConf(conf string) string {
	lines := strings.Split(conf, "\n")
	for i, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if lv, changed := p.localConfPath(strings.TrimSpace(v)); changed {
			lines[i] = strings.TrimSpace(k) + " = " + lv
		}
	}
	return strings.Join(lines, "\n")
}

func (p *pod) localConfPath(v string) (string, bool) {
	if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, " \t") {
		return v, false
	}
	l, ok := p.localPath(p.mounts, v)
	return l, ok && l != v
}

// harnessOverride is the test-only conf.d file, loaded last (last value wins in cuttlefish): every listener the
// rendered config opens is bound to the pod's own loopback IP, ports as rendered (RabbitMQ's defaults when the
// config names none; a listener the config closes, e.g. listeners.tcp = none or no management.tcp.*, stays
// closed), and container paths in values are mapped through the pod's mounts.
func (p *pod) harnessOverride(conf string) string {
	keys := confKeys(conf)
	var b strings.Builder
	b.WriteString("## test/rabbitmq harness only: every \"pod\" listens on its own loopback IP (ports as rendered),\n" +
		"## and container paths in values are mapped to this pod's local dirs\n")
	port := func(v string) string {
		if i := strings.LastIndexByte(v, ':'); i >= 0 {
			return v[i+1:]
		}
		return v
	}
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	tcpListeners := 0
	for _, k := range ks {
		if strings.HasPrefix(k, "listeners.tcp.") || strings.HasPrefix(k, "listeners.ssl.") {
			fmt.Fprintf(&b, "%s = %s:%s\n", k, p.ip, port(keys[k]))
			if strings.HasPrefix(k, "listeners.tcp.") {
				tcpListeners++
			}
		}
	}
	if tcpListeners == 0 && keys["listeners.tcp"] != "none" {
		fmt.Fprintf(&b, "listeners.tcp.default = %s:5672\n", p.ip) // RabbitMQ's default listener
	}
	for _, l := range []struct{ prefix, def string }{{"management", "15672"}, {"prometheus", "15692"}} {
		tcp, ssl := keys[l.prefix+".tcp.port"], keys[l.prefix+".ssl.port"]
		if tcp == "" && ssl == "" {
			tcp = l.def // the plugin's default: a plain listener
		}
		if tcp != "" {
			fmt.Fprintf(&b, "%s.tcp.ip = %s\n%s.tcp.port = %s\n", l.prefix, p.ip, l.prefix, tcp)
		}
		if ssl != "" {
			fmt.Fprintf(&b, "%s.ssl.ip = %s\n%s.ssl.port = %s\n", l.prefix, p.ip, l.prefix, ssl)
		}
	}
	for _, k := range ks {
		if lv, changed := p.localConfPath(keys[k]); changed {
			fmt.Fprintf(&b, "%s = %s\n", k, lv)
		}
	}
	return b.String()
}

func (p *pod) mainArgv() ([]string, error) {
	c := p.d.mainContainer()
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(argv) == 0 {
		// The image's ENTRYPOINT docker-entrypoint.sh + CMD rabbitmq-server: the entrypoint only execs its args.
		return []string{filepath.Join(rmqBin, "rabbitmq-server")}, nil
	}
	mapping := mappingFor(p.env)
	for i := range argv {
		argv[i] = p.rewriteText(p.mounts, expandVars(argv[i], mapping))
	}
	if filepath.Base(argv[0]) == "rabbitmq-server" || argv[0] == "docker-entrypoint.sh" {
		if argv[0] == "docker-entrypoint.sh" {
			argv = argv[1:]
		}
		argv[0] = filepath.Join(rmqBin, "rabbitmq-server")
	}
	return argv, nil
}

// startContainer starts (or restarts) the broker process. The pod's volumes and init results are kept.
func (p *pod) startContainer() error {
	argv, err := p.mainArgv()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.logPath), 0o755); err != nil {
		return err
	}
	lf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	st, _ := lf.Stat()
	fmt.Fprintf(lf, "\n######## e2e: container start #%d of pod %s (uid %s, ip %s) at %s\n", p.starts+1, p.name, p.uid, p.ip, time.Now().Format(time.RFC3339))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = p.procEnv
	cmd.Dir = filepath.Join(p.dir, "image")
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: p.d.credential(p.d.mainContainer())}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return err
	}
	p.mu.Lock()
	p.cmd = cmd
	p.exited = make(chan struct{})
	p.logOffset = st.Size()
	p.starts++
	ch := p.exited
	p.mu.Unlock()
	p.d.h.track(cmd.Process.Pid, "beam "+p.name)
	go func() {
		err := cmd.Wait()
		lf.Close()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			code = -1
		}
		p.mu.Lock()
		p.exitCode = code
		p.mu.Unlock()
		p.d.h.untrack(cmd.Process.Pid)
		close(ch)
	}()
	p.d.logf("pod %s: started rabbitmq-server pid %d (ip %s, dist %d, MNESIA_BASE=%s)", p.name, cmd.Process.Pid, p.ip, p.distPort, p.env["RABBITMQ_MNESIA_BASE"])
	return nil
}

func (p *pod) running() bool {
	p.mu.Lock()
	ch := p.exited
	p.mu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

// logSinceStart returns the container log since the last (re)start.
func (p *pod) logSinceStart() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil || int64(len(b)) < p.logOffset {
		return ""
	}
	return string(b[p.logOffset:])
}

// crashReason extracts the lines explaining a failed boot.
func (p *pod) crashReason() string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(p.logSinceStart()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	errMsg := regexp.MustCompile(`\[error\] <[0-9.]+> (.*)$`)
	for sc.Scan() {
		l := sc.Text()
		if m := errMsg.FindStringSubmatch(l); m != nil {
			// skip the indented body of Erlang crash reports (messages:, links:, dictionary: ...)
			if strings.TrimSpace(m[1]) == "" || strings.HasPrefix(m[1], " ") {
				continue
			}
		}
		if strings.Contains(l, "[error]") || strings.Contains(l, "BOOT FAILED") || strings.Contains(l, "Kernel pid terminated") ||
			strings.Contains(l, "You've tried to set") || strings.Contains(l, "Error") {
			if len(l) > 400 {
				l = l[:400] + "..."
			}
			out = append(out, l)
		}
	}
	if len(out) > 12 {
		out = out[len(out)-12:]
	}
	return strings.Join(out, "\n")
}

type bootResult int

const (
	bootOK bootResult = iota
	bootCrashed
	bootTimeout
)

// waitStarted waits for "Server startup complete" in the log since the last start, or for the process to exit.
func (p *pod) waitStarted(deadline time.Time) bootResult {
	for {
		if strings.Contains(p.logSinceStart(), "Server startup complete") {
			return bootOK
		}
		if !p.running() {
			return bootCrashed
		}
		if time.Now().After(deadline) {
			return bootTimeout
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// probe runs a readiness (or other) probe once, like the kubelet: exec in the container env, or tcpSocket.
func (p *pod) probe(pr *corev1.Probe) error {
	if pr == nil {
		return nil
	}
	timeout := time.Duration(pr.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = time.Second
	}
	switch {
	case pr.Exec != nil:
		if timeout < 30*time.Second {
			timeout = 30 * time.Second // CLI tools take 1-3 s of CPU each on this small machine
		}
		_, err := p.execInContainer(pr.Exec.Command, timeout)
		return err
	case pr.TCPSocket != nil:
		return p.dialPort(pr.TCPSocket.Port, timeout)
	case pr.HTTPGet != nil: // the port answering is all a stand-in can check
		return p.dialPort(pr.HTTPGet.Port, timeout)
	}
	return nil
}

// dialPort is a TCP probe of a (named or numbered) container port on the pod's address.
func (p *pod) dialPort(portRef intstr.IntOrString, timeout time.Duration) error {
	port, err := p.resolvePort(portRef)
	if err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(p.ip, strconv.Itoa(port)), timeout)
	if err != nil {
		return err
	}
	return c.Close()
}

func (p *pod) resolvePort(v intstr.IntOrString) (int, error) {
	if n, err := strconv.Atoi(v.String()); err == nil {
		return n, nil
	}
	for _, cp := range p.d.mainContainer().Ports {
		if cp.Name == v.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("named port %q not declared by the container", v.StrVal)
}

// execInContainer is `kubectl exec`: the command runs with the container's env and mounts (paths rewritten).
func (p *pod) execInContainer(argv []string, timeout time.Duration) (string, error) {
	// The kubelet does not $(VAR)-expand probe and lifecycle commands (only command/args); paths are rewritten.
	local := make([]string, len(argv))
	for i, a := range argv {
		local[i] = p.rewriteText(p.mounts, a)
	}
	if !strings.Contains(local[0], "/") {
		if _, err := os.Stat(filepath.Join(rmqBin, local[0])); err == nil {
			local[0] = filepath.Join(rmqBin, local[0])
		}
	}
	env := p.processEnv(p.mounts, p.env)
	env["ERL_EPMD_PORT"] = strconv.Itoa(p.d.h.epmdPort)
	env["ERL_INETRC"] = p.d.inetrc
	for k, v := range map[string]string{"RABBITMQ_CONF_ENV_FILE": "/etc/rabbitmq/rabbitmq-env.conf", "RABBITMQ_CONFIG_FILES": defaultConfFiles,
		"RABBITMQ_CONFIG_FILE": "/etc/rabbitmq/rabbitmq", "RABBITMQ_ENABLED_PLUGINS_FILE": "/etc/rabbitmq/enabled_plugins",
		"RABBITMQ_ADVANCED_CONFIG_FILE": "/etc/rabbitmq/advanced.config"} {
		if _, set := p.env[k]; !set {
			env[k], _ = p.localPath(p.mounts, v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, local[0], local[1:]...)
	cmd.Env = envList(env)
	cmd.Dir = filepath.Join(p.dir, "image")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.d.credential(p.d.mainContainer())}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("exec %q in %s: %v: %s", argv, p.name, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// stop is what the kubelet does on pod deletion: preStop hook (exec), then SIGTERM, SIGKILL after the grace period.
func (p *pod) stop(runPreStop bool) {
	if !p.running() {
		return
	}
	grace := 30 * time.Second
	if g := p.d.sts.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if grace > 120*time.Second {
		grace = 120 * time.Second // the harness caps long production grace periods
	}
	t0 := time.Now()
	if c := p.d.mainContainer(); runPreStop && c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Exec != nil {
		out, err := p.execInContainer(c.Lifecycle.PreStop.Exec.Command, grace)
		p.d.appendLog(p.name+"-prestop.log", fmt.Sprintf("==== %s preStop %q (err %v)\n%s\n", time.Now().Format(time.RFC3339), c.Lifecycle.PreStop.Exec.Command, err, out))
		if err != nil {
			p.d.logf("pod %s: preStop failed (the kubelet only logs this): %v", p.name, err)
		} else {
			p.d.logf("pod %s: preStop ran in %.1fs: %s", p.name, time.Since(t0).Seconds(), firstLine(out))
		}
	}
	p.mu.Lock()
	cmd, ch := p.cmd, p.exited
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	rest := grace - time.Since(t0)
	if rest < 10*time.Second {
		rest = 10 * time.Second
	}
	select {
	case <-ch:
	case <-time.After(rest):
		p.d.logf("pod %s: still running after the grace period: SIGKILL", p.name)
		_ = cmd.Process.Kill()
		<-ch
	}
}

// kill is a crash: SIGKILL, no preStop, no grace.
func (p *pod) kill() {
	p.mu.Lock()
	cmd, ch := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil || !p.running() {
		return
	}
	_ = cmd.Process.Kill()
	<-ch
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
