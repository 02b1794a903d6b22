// cmprun runs an Argo CD Config Management Plugin's generate command the way Argo CD's
// argocd-cmp-server does (cmpserver/plugin/plugin.go, util/io/files/tar.go), without a cluster:
//   - the repository is copied into a fresh 0700 work directory under -workroot, `.git` left out, with
//     file modes reset as the CMP server does by default (preserveFileMode: false): files 0644, dirs 0755;
//   - the command runs in the application directory (workdir/<-app>) with cmd.Env = this process's
//     environment (the sidecar's) + the request's entries (ARGOCD_APP_*, KUBE_*, ARGOCD_ENV_*; empty
//     values dropped), and argv = command[0], command[1:]..., args...;
//   - stdout is the manifest stream; a failure is reported like Argo CD reports it.
//
// Discovery is not modelled here: test/argocd runs Argo CD's own cmp-server and repo-server code for it.
//
// Run it as the sidecar's user (e.g. `setpriv --reuid=999 ...`) to reproduce the non-root setting.
//
// Usage: cmprun -plugin plugin.yaml -repo DIR -app REL/PATH [-workroot DIR] [-e NAME=VALUE]...
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

type envFlags []string

func (e *envFlags) String() string     { return strings.Join(*e, ",") }
func (e *envFlags) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	plugin := flag.String("plugin", "", "plugin.yaml (ConfigManagementPlugin)")
	repo := flag.String("repo", "", "repository directory")
	app := flag.String("app", ".", "application path inside the repository")
	workroot := flag.String("workroot", os.TempDir(), "where the CMP work directory is created")
	var env envFlags
	flag.Var(&env, "e", "request environment entry NAME=VALUE (repeatable)")
	checkInstall := flag.String("check-install", "", "instead: check a built Argo CD install (YAML stream) for the sidecar")
	flag.Parse()
	if *checkInstall != "" {
		if problems := checkSidecar(*checkInstall); len(problems) > 0 {
			for _, p := range problems {
				fmt.Fprintln(os.Stderr, "sidecar check:", p)
			}
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "sidecar check: OK")
		return
	}
	if *plugin == "" || *repo == "" {
		flag.Usage()
		os.Exit(2)
	}
	cfg, err := yaml.ReadFile(*plugin)
	check(err)

	work, err := os.MkdirTemp(*workroot, "_cmp_server.")
	check(err)
	defer os.RemoveAll(work)
	check(os.Chmod(work, 0o700))
	check(copyResetModes(*repo, work))
	appPath := filepath.Join(work, filepath.Clean("/"+*app))

	var reqEnv []string
	for _, e := range env {
		if k, v, ok := strings.Cut(e, "="); ok && k != "" && v != "" {
			reqEnv = append(reqEnv, e)
		}
	}
	fullEnv := append(os.Environ(), reqEnv...)

	if init := cmd(cfg, "spec", "init"); len(init) > 0 {
		if _, err := run(init, appPath, fullEnv); err != nil {
			fail(err)
		}
	}
	out, err := run(cmd(cfg, "spec", "generate"), appPath, fullEnv)
	if err != nil {
		fail(err)
	}
	fmt.Println(out)
}

// copyResetModes mirrors Tgz (regular files, dirs, symlinks; .git excluded) + Untgz(preserveFileMode=false).
func copyResetModes(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
		return nil // sockets, devices: not sent by Argo CD
	})
}

func run(argv []string, dir string, env []string) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("Command is empty")
	}
	c := exec.Command(argv[0], argv[1:]...)
	c.Dir, c.Env = dir, env
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		msg := fmt.Sprintf("`%s` failed %v", strings.Join(c.Args, " "), err)
		if s := strings.TrimSpace(stderr.String()); s != "" {
			msg += ": " + s
		}
		return strings.TrimSuffix(stdout.String(), "\n"), errors.New(msg)
	}
	if stderr.Len() > 0 {
		os.Stderr.Write(stderr.Bytes())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), nil
}

// cmd returns command + args of a Command object at path (generate, init, discover.find).
func cmd(cfg *yaml.RNode, path ...string) []string {
	n, err := cfg.Pipe(yaml.Lookup(path...))
	check(err)
	if n == nil {
		return nil
	}
	var argv []string
	for _, f := range []string{"command", "args"} {
		if l := n.Field(f); l != nil {
			argv = append(argv, elementStrings(l.Value)...)
		}
	}
	return argv
}

func elementStrings(n *yaml.RNode) []string {
	var out []string
	for _, c := range n.YNode().Content {
		out = append(out, c.Value)
	}
	return out
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmprun:", err)
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "rpc error: code = Unknown desc = plugin sidecar failed. error generating manifests in cmp: error generating manifests:", err)
	os.Exit(1)
}
