package render

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// pluginDownloadContainer fetches the community plugins into an emptyDir before RabbitMQ
// starts, and refuses to start the pod when an archive's sha256 differs from the config.
// It uses the image's own Erlang (every RabbitMQ image has it; curl or wget may be missing)
// and runs it without a shell, so URLs are never parsed by one. TLS peers are not
// verified: the pinned sha256 is what makes the download trustworthy.
func (k *cluster) pluginDownloadContainer() corev1.Container {
	var downloads []string
	for _, p := range k.Spec.CommunityPlugins {
		file := path.Join(communityPluginsDir, path.Base(p.URL))
		downloads = append(downloads, fmt.Sprintf(`{"%s", "%s", "%s", "%s"}`, p.Name, p.URL, p.SHA256, file))
	}
	script := `try
  application:ensure_all_started(inets), application:ensure_all_started(ssl),
  Get = fun({Name, Url, Want, File}) ->
    case httpc:request(get, {Url, []}, [{timeout, 300000}, {ssl, [{verify, verify_none}]}], [{body_format, binary}]) of
      {ok, {{_, 200, _}, _, Body}} ->
        Got = lists:flatten([io_lib:format("~2.16.0b", [B]) || <<B>> <= crypto:hash(sha256, Body)]),
        case Got of
          Want -> ok = file:write_file(File, Body), io:format("~s: sha256 verified, ~s~n", [Name, File]);
          _ -> io:format(standard_error, "~s: sha256 of ~s is ~s, not ~s: refusing to start~n", [Name, Url, Got, Want]), halt(1)
        end;
      Other -> io:format(standard_error, "~s: download of ~s failed: ~p~n", [Name, Url, Other]), halt(1)
    end
  end,
  lists:foreach(Get, [` + strings.Join(downloads, ", ") + `]),
  halt(0)
catch Class:Reason -> io:format(standard_error, "plugin download failed: ~p:~p~n", [Class, Reason]), halt(1)
end.`
	return corev1.Container{
		Name:            "community-plugins",
		Image:           k.Spec.Image,
		Command:         []string{"erl", "-noshell", "-noinput", "-eval", script},
		Resources:       initResources("128Mi"),
		SecurityContext: containerSecurityContext(),
		VolumeMounts: []corev1.VolumeMount{
			{Name: volHome, MountPath: homeDir},
			{Name: volTmp, MountPath: "/tmp"},
			{Name: volCommunityPlugins, MountPath: communityPluginsDir},
		},
	}
}
