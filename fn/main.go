// Command rabbitmq-krm is a KRM function that expands one RabbitMQCluster config into the
// manifests of a clustered, persistent RabbitMQ. All logic lives in the packages below fn/;
// this file only wires the two entry points: the KRM protocol on stdin/stdout, and the
// `render` command that prints plain YAML.
package main

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/krm"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

//go:embed help.txt
var help string

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if os.Getenv("GOGC") == "" {
		// One render allocates just past the runtime's 4 MB first-collection heap (yaml.v3
		// queues every event of a document), so a process about to exit collected once; at 1000
		// configs collections were a fifth of the CPU. 200 skips the first and halves the rest
		// for about a third more peak memory (docs/performance.md). GOGC, when set, wins.
		debug.SetGCPercent(200)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runKRM(stdin, stdout, stderr)
	}
	switch args[0] {
	case "render":
		if len(args) < 2 {
			fmt.Fprintln(stderr, "usage: rabbitmq-krm render CONFIG.yaml [CONFIG.yaml ...]   (- reads stdin)")
			return 2
		}
		return runRender(args[1:], stdin, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, help)
		return 0
	case "cookie":
		if len(args) < 2 || len(args) > 3 {
			fmt.Fprintln(stderr, "usage: rabbitmq-krm cookie NAME [NAMESPACE]   (NAME: the RabbitMQCluster's metadata.name)")
			return 2
		}
		return runCookie(args[1:], stdout, stderr)
	case "install-binary":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: rabbitmq-krm install-binary DIR")
			return 2
		}
		return installBinary(args[1], stderr)
	case "version", "--version":
		if len(args) > 1 && args[1] == "--short" {
			fmt.Fprintln(stdout, version)
		} else {
			fmt.Fprintln(stdout, "rabbitmq-krm", version)
		}
		return 0
	}
	fmt.Fprintf(stderr, "rabbitmq-krm: unknown command %q; see rabbitmq-krm --help\n", args[0])
	return 2
}

// runKRM speaks the KRM function protocol (kustomize, kpt, Argo CD through kustomize).
// krm.Execute is kyaml's framework.Execute with krm.Processor, with the same output, written
// item by item as it is produced (docs/performance.md). It writes the results to stderr
// itself where the orchestrator would not show them.
func runKRM(stdin io.Reader, stdout, stderr io.Writer) int {
	if err := krm.Execute(stdin, stdout, stderr); err != nil {
		if _, ok := err.(framework.Results); !ok {
			fmt.Fprintf(stderr, "[error] %v\n", err)
		}
		return 1
	}
	return 0
}

// runRender prints the manifests of every RabbitMQCluster in the files as plain YAML.
// Results go to stderr; on any error nothing is printed to stdout.
func runRender(files []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var configs []*yaml.RNode
	for _, f := range files {
		nodes, err := readFile(f, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "[error] %v\n", err)
			return 1
		}
		configs = append(configs, nodes...)
	}
	out := krm.NewOutput(nil, false)
	results := krm.Render(configs, nil, out)
	krm.PrintResults(stderr, results)
	if results.ExitCode() != 0 {
		return 1
	}
	if err := out.WriteStream(stdout); err != nil {
		fmt.Fprintf(stderr, "[error] %v\n", err)
		return 1
	}
	return 0
}

func readFile(name string, stdin io.Reader) ([]*yaml.RNode, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	nodes, err := (&kio.ByteReader{Reader: r, OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%s: no RabbitMQCluster config in the file", name)
	}
	return nodes, nil
}

// installBinary copies this executable to DIR/rabbitmq-krm (mode 0755, atomically). The
// Argo CD init container uses it: the image has no shell and no cp.
func installBinary(dir string, stderr io.Writer) int {
	self, err := os.Executable()
	if err == nil {
		err = copyExecutable(self, filepath.Join(dir, "rabbitmq-krm"))
	}
	if err != nil {
		fmt.Fprintf(stderr, "[error] install-binary: %v\n", err)
		return 1
	}
	return 0
}

func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".rabbitmq-krm-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// runCookie prints the cookie Secret of the cluster NAME with a fresh random cookie: the one
// time a cookie is made, by the user, to be committed (sealed) or applied once.
func runCookie(args []string, stdout, stderr io.Writer) int {
	c := &v1alpha1.RabbitMQCluster{ObjectMeta: metav1.ObjectMeta{Name: args[0]}}
	if len(args) == 2 {
		c.Namespace = args[1]
	}
	c.Default()
	if errs := c.Validate(); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintf(stderr, "[error] %s: %s\n", e.Field, e.Detail)
		}
		return 1
	}
	out := krm.NewOutput(nil, false)
	err := out.Add(render.CookieSecret(c, render.NewCookie()))
	if err == nil {
		err = out.WriteStream(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "[error] %v\n", err)
		return 1
	}
	return 0
}
