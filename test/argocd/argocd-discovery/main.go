// argocd-discovery runs Argo CD's own plugin discovery (argo-cd v3, built from the Go module proxy) against a
// repository, so that argocd/plugin.yaml's `discover` is tested as Argo CD performs it, not as we think it does.
//
//	argocd-discovery cmp-server -config-dir-path DIR
//	    The sidecar's side: Argo CD's ConfigManagementPluginService (cmpserver/plugin.NewService) with the
//	    plugin.yaml read and validated by cmpserver/plugin.ReadPluginConfig, served over gRPC on the unix socket
//	    the config names (PluginConfig.Address(): $ARGOCD_PLUGINSOCKFILEPATH/<name>-<version>.sock), its work
//	    directory set up by Service.Init(common.GetCMPWorkDir()), as cmpserver.ArgoCDCMPServer.CreateGRPC
//	    does. (argocd-cmp-server's own command cannot be linked from the module proxy for v3.3: through
//	    cmd/util -> util/kube it needs the gitops-engine copy that v3.3 keeps in its repository, replaced
//	    by a local path there.) MatchRepository unpacks the repository under $ARGOCD_CMP_WORKDIR (or $TMPDIR)
//	    and runs discover.fileName / find.glob / find.command in the app directory.
//
//	argocd-discovery match -repo DIR -app PATH [-plugin NAME] [-e NAME=VALUE]...
//	    The repo-server's side, over the same unix sockets ($ARGOCD_PLUGINSOCKFILEPATH):
//	    with -plugin, util/app/discovery.DetectConfigManagementPlugin(app, repo, NAME), what the repo-server
//	    calls for an Application with `source.plugin.name: NAME`; prints "supported" or the error Argo CD
//	    reports (`could not find cmp-server plugin with name ...`) and exits 3.
//	    Without -plugin, util/app/discovery.AppType: what the repo-server calls for an Application without an
//	    explicit source type; prints Plugin, Kustomize, Helm or Directory.
//
//	argocd-discovery generate -repo-url URL -root DIR -app PATH [-revision REV] [-plugin NAME] [-plugin-env N=V]...
//	    The repo-server's manifest generation: reposerver/repository.Service.GenerateManifest (see generate.go).
//
//	argocd-discovery norm [FILE]
//	    A YAML stream printed as `generate` prints objects (to compare with `kustomize build`).
//
//	argocd-discovery annotation FILE KIND NAME KEY
//	    One annotation of one object in a YAML stream, exactly (e.g. rabbitmq-krm.dev/warnings in generate's output).
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	log "github.com/sirupsen/logrus"
	"google.golang.org/grpc"

	"github.com/argoproj/argo-cd/v3/cmpserver/apiclient"
	"github.com/argoproj/argo-cd/v3/cmpserver/plugin"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/util/app/discovery"
	utilio "github.com/argoproj/argo-cd/v3/util/io"
)

type envFlags []string

func (e *envFlags) String() string     { return strings.Join(*e, ",") }
func (e *envFlags) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: argocd-discovery cmp-server -config-dir-path DIR | match -repo DIR -app PATH [-plugin NAME] | generate -repo-url URL -root DIR -app PATH [-plugin NAME] | norm [FILE] | annotation FILE KIND NAME KEY")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "cmp-server":
		os.Exit(serve(os.Args[2:]))
	case "match":
		os.Exit(match(os.Args[2:]))
	case "generate":
		os.Exit(generate(os.Args[2:]))
	case "norm":
		os.Exit(norm(os.Args[2:]))
	case "annotation":
		os.Exit(annotation(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "argocd-discovery: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

func serve(args []string) int {
	fs := flag.NewFlagSet("cmp-server", flag.ExitOnError)
	configDir := fs.String("config-dir-path", common.DefaultPluginConfigFilePath, "directory holding plugin.yaml")
	_ = fs.Parse(args)
	log.SetFormatter(&log.TextFormatter{DisableTimestamp: true})
	config, err := plugin.ReadPluginConfig(*configDir)
	if err != nil {
		log.Error(err)
		return 1
	}
	if !config.Spec.Discover.IsDefined() {
		log.Infof("No discovery configuration is defined for plugin %s.", config.Metadata.Name)
	}
	service := plugin.NewService(plugin.CMPServerInitConstants{PluginConfig: *config})
	if err := service.Init(common.GetCMPWorkDir()); err != nil {
		log.Error(err)
		return 1
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(apiclient.MaxGRPCMessageSize), grpc.MaxSendMsgSize(apiclient.MaxGRPCMessageSize))
	apiclient.RegisterConfigManagementPluginServiceServer(server, service)
	_ = os.Remove(config.Address())
	listener, err := net.Listen("unix", config.Address())
	if err != nil {
		log.Error(err)
		return 1
	}
	log.Infof("argocd-cmp-server (argo-cd plugin service) serving on %s", listener.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		server.Stop()
	}()
	if err := server.Serve(listener); err != nil {
		log.Error(err)
		return 1
	}
	_ = os.Remove(config.Address())
	return 0
}

func match(args []string) int {
	fs := flag.NewFlagSet("match", flag.ExitOnError)
	repo := fs.String("repo", "", "repository root (what the repo-server checked out)")
	app := fs.String("app", ".", "Application source path inside the repository")
	plugin := fs.String("plugin", "", "Application spec.source.plugin.name (empty: auto-detection)")
	timeout := fs.Duration("timeout", time.Minute, "request deadline")
	var env envFlags
	fs.Var(&env, "e", "environment entry NAME=VALUE sent with the request (repeatable)")
	_ = fs.Parse(args)
	if *repo == "" {
		fs.Usage()
		return 2
	}
	repoPath, err := filepath.Abs(*repo)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// The repo-server resolves the app path inside the checkout the same way (securejoin of repo root + path).
	appPath := filepath.Join(repoPath, filepath.Clean("/"+*app))
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	if *plugin != "" {
		conn, _, err := discovery.DetectConfigManagementPlugin(ctx, appPath, repoPath, *plugin, env, nil)
		if err != nil {
			fmt.Println(err.Error())
			return 3
		}
		utilio.Close(conn)
		fmt.Println("supported")
		return 0
	}
	appType, err := discovery.AppType(ctx, appPath, repoPath, nil, nil, env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(appType)
	return 0
}
