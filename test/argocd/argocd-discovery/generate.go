package main

// The repo-server's manifest generation, as Argo CD runs it for an Application (see generate()).

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	log "github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/reposerver/apiclient"
	"github.com/argoproj/argo-cd/v3/reposerver/cache"
	"github.com/argoproj/argo-cd/v3/reposerver/metrics"
	"github.com/argoproj/argo-cd/v3/reposerver/repository"
	cacheutil "github.com/argoproj/argo-cd/v3/util/cache"
	"github.com/argoproj/argo-cd/v3/util/git"
)

const trackingAnnotation = "argocd.argoproj.io/tracking-id"

// generate: reposerver/repository.Service.GenerateManifest, the gRPC method the application controller calls
// (argocd-repo-server's own service object, built by repository.NewService as reposerver.NewServer does, with
// an in-memory cache instead of Redis). It resolves the revision with `git ls-remote`, clones/fetches and checks
// out the repository into its root directory, detects the source type (util/app/discovery, which asks the
// cmp-servers on $ARGOCD_PLUGINSOCKFILEPATH), and for a plugin app runs runConfigManagementPluginSidecars:
// ARGOCD_APP_* / KUBE_* / ARGOCD_ENV_* env as Argo CD computes it, the repository streamed (tar.gz) to the
// cmp-server, its manifests parsed and given the tracking annotation.
//
// Prints the manifests as a YAML stream (keys sorted), or, on failure, the error the repo-server returns (what
// the Application's ComparisonError shows) on stdout and exits 3. -strip-tracking removes the tracking
// annotation after checking that every object carries it (so the output compares with `kustomize build`).
// -response FILE writes the whole ManifestResponse as JSON.
func generate(args []string) int {
	fs := flag.NewFlagSet("generate", flag.ExitOnError)
	repoURL := fs.String("repo-url", "", "Application spec.source.repoURL (e.g. file:///path/to/repo)")
	revision := fs.String("revision", "main", "spec.source.targetRevision")
	app := fs.String("app", ".", "spec.source.path")
	appName := fs.String("app-name", "rabbitmq", "Application metadata.name")
	destNS := fs.String("dest-namespace", "ns-rabbitmq", "Application spec.destination.namespace")
	plugin := fs.String("plugin", "", "spec.source.plugin.name (empty: no name)")
	withPlugin := fs.Bool("plugin-block", false, "send spec.source.plugin even without a name (for -plugin-env)")
	root := fs.String("root", "", "the repo-server's checkout root (--repo-cache root, ARGOCD_... /tmp/_argocd-repo)")
	strip := fs.Bool("strip-tracking", false, "check and remove the tracking annotation")
	responseFile := fs.String("response", "", "also write the ManifestResponse (JSON) here")
	timeout := fs.Duration("timeout", 3*time.Minute, "request deadline")
	var pluginEnv envFlags
	fs.Var(&pluginEnv, "plugin-env", "spec.source.plugin.env entry NAME=VALUE (repeatable)")
	_ = fs.Parse(args)
	if *repoURL == "" || *root == "" {
		fs.Usage()
		return 2
	}
	log.SetFormatter(&log.TextFormatter{DisableTimestamp: true})
	log.SetOutput(os.Stderr)

	source := &v1alpha1.ApplicationSource{RepoURL: *repoURL, Path: *app, TargetRevision: *revision}
	if *plugin != "" || *withPlugin || len(pluginEnv) > 0 {
		source.Plugin = &v1alpha1.ApplicationSourcePlugin{Name: *plugin}
		for _, e := range pluginEnv {
			k, v, _ := strings.Cut(e, "=")
			source.Plugin.Env = append(source.Plugin.Env, &v1alpha1.EnvEntry{Name: k, Value: v})
		}
	}
	// What the application controller sends (controller/state.go GetRepoObjs): v3 defaults, annotation tracking.
	q := &apiclient.ManifestRequest{
		Repo:               &v1alpha1.Repository{Repo: *repoURL},
		Revision:           *revision,
		AppLabelKey:        "app.kubernetes.io/instance",
		AppName:            *appName,
		Namespace:          *destNS,
		ApplicationSource:  source,
		KubeVersion:        "1.34.0",
		ApiVersions:        []string{"v1", "apps/v1", "policy/v1", "rbac.authorization.k8s.io/v1"},
		TrackingMethod:     string(v1alpha1.TrackingMethodAnnotation),
		EnabledSourceTypes: map[string]bool{"kustomize": true, "helm": true, "directory": true, "jsonnet": true, "plugin": true},
		ProjectName:        "default",
		ProjectSourceRepos: []string{"*"},
		NoCache:            true,
		KustomizeOptions:   &v1alpha1.KustomizeOptions{},
	}

	// reposerver.NewServer: repository.NewService(metricsServer, cache, initConstants, gitCredsStore, root) + Init.
	// The initConstants are argocd-repo-server's flag defaults (cmd/argocd-repo-server/commands).
	c := cache.NewCache(cacheutil.NewCache(cacheutil.NewInMemoryCache(time.Hour)), 24*time.Hour, 3*time.Minute, 10*time.Second)
	service := repository.NewService(metrics.NewMetricsServer(), c, repository.RepoServerInitConstants{
		ParallelismLimit: 0,
		PauseGenerationAfterFailedGenerationAttempts: 3,
		PauseGenerationOnFailureForMinutes:           60,
		PauseGenerationOnFailureForRequests:          0,
		SubmoduleEnabled:                             true,
		MaxCombinedDirectoryManifestsSize:            resource.MustParse("10M"),
		StreamedManifestMaxExtractedSize:             1024 * 1024 * 1024,
		StreamedManifestMaxTarSize:                   100 * 1024 * 1024,
		HelmManifestMaxExtractedSize:                 1024 * 1024 * 1024,
		HelmRegistryMaxIndexSize:                     1024 * 1024,
		OCIManifestMaxExtractedSize:                  1024 * 1024 * 1024,
		CMPTarExcludedGlobs:                          []string{},
		EnableBuiltinGitConfig:                       true,
	}, git.NoopCredsStore{}, *root)
	if err := service.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "repo-server init:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := service.GenerateManifest(ctx, q)
	if err != nil {
		fmt.Println(err.Error())
		return 3
	}
	if *responseFile != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*responseFile, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	objs := make([]*unstructured.Unstructured, 0, len(res.Manifests))
	for _, m := range res.Manifests {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON([]byte(m)); err != nil {
			fmt.Fprintln(os.Stderr, "manifest from the repo-server:", err)
			return 1
		}
		if *strip {
			a := u.GetAnnotations()
			ns := u.GetNamespace()
			if ns == "" { // Argo CD puts the destination namespace into cluster-scoped objects' ids too
				ns = *destNS
			}
			want := fmt.Sprintf("%s:%s/%s:%s/%s", *appName, u.GroupVersionKind().Group, u.GetKind(), ns, u.GetName())
			if a[trackingAnnotation] != want {
				fmt.Fprintf(os.Stderr, "%s %s: tracking annotation %q, expected %q\n", u.GetKind(), u.GetName(), a[trackingAnnotation], want)
				return 1
			}
			delete(a, trackingAnnotation)
			if len(a) == 0 {
				unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
			} else {
				u.SetAnnotations(a)
			}
		}
		objs = append(objs, u)
	}
	fmt.Fprintf(os.Stderr, "repo-server: sourceType %s, revision %s, %d objects\n", res.SourceType, res.Revision, len(objs))
	return printYAML(os.Stdout, objs)
}

// norm: a YAML stream (e.g. `kustomize build` output) printed the way generate prints objects.
func norm(args []string) int {
	objs, code := readObjects(args)
	if code != 0 {
		return code
	}
	return printYAML(os.Stdout, objs)
}

// annotation FILE KIND NAME KEY: prints the annotation KEY of the object KIND/NAME in the YAML stream FILE (e.g.
// generate's manifests) exactly, without a trailing newline; exits 3 when the object or the annotation is missing.
func annotation(args []string) int {
	if len(args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: argocd-discovery annotation FILE KIND NAME KEY")
		return 2
	}
	objs, code := readObjects(args[:1])
	if code != 0 {
		return code
	}
	for _, u := range objs {
		if u.GetKind() == args[1] && u.GetName() == args[2] {
			v, ok := u.GetAnnotations()[args[3]]
			if !ok {
				fmt.Fprintf(os.Stderr, "%s %s has no annotation %s\n", args[1], args[2], args[3])
				return 3
			}
			fmt.Print(v)
			return 0
		}
	}
	fmt.Fprintf(os.Stderr, "no %s %s in %s\n", args[1], args[2], args[0])
	return 3
}

// readObjects reads the objects of a YAML stream: the file args[0], or stdin.
func readObjects(args []string) ([]*unstructured.Unstructured, int) {
	in := io.Reader(os.Stdin)
	if len(args) > 0 {
		f, err := os.Open(args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return nil, 1
		}
		defer f.Close()
		in = f
	}
	dec := kubeyaml.NewYAMLOrJSONDecoder(in, 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err == io.EOF {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return nil, 1
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
	return objs, 0
}

// printYAML prints objects in their order, as YAML with sorted keys, `---` between them.
func printYAML(w io.Writer, objs []*unstructured.Unstructured) int {
	var buf bytes.Buffer
	for i, u := range objs {
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	_, _ = w.Write(buf.Bytes())
	return 0
}
