package render_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// The setup container's script turns the ConfigMap's advanced.config template into the file
// RabbitMQ reads: spec.advancedConfig with the default user's credentials inside its own
// rabbit entry (a second rabbit entry would undo the first). Run with sh on stand-in
// directories; where Erlang is installed, file:consult must read the result.
func TestSetupWritesOneAdvancedConfig(t *testing.T) {
	for name, tc := range map[string]struct{ advanced, want string }{
		"user's rabbit entry": {
			advanced: `[{rabbit, [{credit_flow_default_credit, {400, 200}}]}, {kernel, []}].`,
			want:     `[{rabbit, [` + "\n" + `{default_user, <<"ad\"min">>}, {default_pass, <<"p#$(x)\\ w">>},` + "\n" + `{credit_flow_default_credit, {400, 200}}]}, {kernel, []}].`,
		},
		"no rabbit entry": {
			advanced: `[{kernel, [{inet_dist_use_interface, {127,0,0,1}}]}].`,
			want:     `[` + "\n" + `{rabbit, [` + "\n" + `{default_user, <<"ad\"min">>}, {default_pass, <<"p#$(x)\\ w">>}` + "\n" + `]},` + "\n" + `{kernel, [{inet_dist_use_interface, {127,0,0,1}}]}].`,
		},
		"empty rabbit list": {
			advanced: `[{rabbit, []}].`,
			want:     `[{rabbit, [` + "\n" + `{default_user, <<"ad\"min">>}, {default_pass, <<"p#$(x)\\ w">>}` + "\n" + `]}].`,
		},
		"only the default user": {
			want: `[` + "\n" + `{rabbit, [` + "\n" + `{default_user, <<"ad\"min">>}, {default_pass, <<"p#$(x)\\ w">>}` + "\n" + `]}` + "\n" + `].`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			spec := "  defaultUser: {secretName: admin}\n"
			if tc.advanced != "" {
				spec += "  advancedConfig: '" + tc.advanced + "'\n"
			}
			got := runSetup(t, renderSpec(t, spec))
			if strings.TrimSpace(got) != tc.want {
				t.Errorf("advanced.config:\n%s\nwant:\n%s", got, tc.want)
			}
			consult(t, got)
		})
	}
}

// runSetup runs the setup script with its directories moved into a temporary one, with a
// password full of what rabbitmq.conf or a shell would mangle.
func runSetup(t *testing.T, out render.Output) string {
	t.Helper()
	root := t.TempDir()
	template := find[*corev1.ConfigMap](out.Objects, "rabbitmq-config").Data["advanced.config"]
	files := map[string]string{
		"tmp/erlang-cookie-secret/.erlang.cookie":   "cookie",
		"tmp/default-user-secret/username":          `ad"min`,
		"tmp/default-user-secret/password":          `p#$(x)\ w`,
		"etc/rabbitmq-krm/advanced/advanced.config": template,
		"var/lib/rabbitmq/.keep":                    "",
		"etc/rabbitmq/conf.d/.keep":                 "",
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setup := find[*appsv1.StatefulSet](out.Objects, "rabbitmq").Spec.Template.Spec.InitContainers[0]
	script := strings.NewReplacer(" /", " "+root+"/", "'/", "'"+root+"/", `"/`, `"`+root+"/", "</", "<"+root+"/").Replace(setup.Command[2])
	if b, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("setup failed: %v\n%s\nscript: %s", err, b, script)
	}
	b, err := os.ReadFile(filepath.Join(root, "etc/rabbitmq/conf.d/advanced.config"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// consult reads the file as RabbitMQ does, where Erlang is installed.
func consult(t *testing.T, text string) {
	t.Helper()
	if _, err := exec.LookPath("erl"); err != nil {
		return
	}
	path := filepath.Join(t.TempDir(), "advanced.config")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	eval := `{ok, [C]} = file:consult("` + path + `"), [_ | _] = proplists:get_value(rabbit, C), halt().`
	cmd := exec.Command("erl", "-noshell", "-eval", eval)
	cmd.Dir = t.TempDir() // where a failing VM leaves erl_crash.dump
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("Erlang cannot read the advanced.config: %v\n%s", err, b)
	}
}
