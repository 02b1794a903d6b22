package rabbitconf

import (
	"strings"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf/erlterms"
)

// DefaultUserMarker starts the line of the advanced.config template that the setup init
// container replaces with {default_user, ...}, {default_pass, ...} followed by the rest of
// the line ("," when more settings follow). It is an Erlang comment, so the template is
// valid advanced.config as it stands.
const DefaultUserMarker = "% rabbitmq-krm: spec.defaultUser"

// advancedConfig merges spec.advancedConfig with the default user. RabbitMQ reads one
// advanced.config, and overlays its entries one by one on rabbitmq.conf's settings, each
// {rabbit, ...} entry starting again from rabbitmq.conf's: a second rabbit entry would undo
// the first. So the credentials go into the user's own rabbit entry, or a new one.
func advancedConfig(c *v1alpha1.RabbitMQCluster) string {
	text := strings.TrimRight(c.Spec.AdvancedConfig, " \t\n") // Validate accepted it
	if c.Spec.DefaultUser == nil {
		if text == "" {
			return ""
		}
		return text + "\n"
	}
	if text == "" {
		text = "[]."
	}
	cfg, _ := erlterms.Parse(text)
	for _, app := range cfg.Apps {
		if app.Name == "rabbit" {
			return insert(text, app.ListStart+1, "\n"+DefaultUserMarker+separator(!emptyList(text, app))+"\n")
		}
	}
	entry := "{rabbit, [\n" + DefaultUserMarker + "\n]}" + separator(len(cfg.Apps) > 0 || !emptyTop(text, cfg)) + "\n"
	return insert(text, cfg.Start+1, "\n"+entry)
}

func separator(more bool) string {
	if more {
		return ","
	}
	return ""
}

func insert(text string, at int, s string) string {
	return text[:at] + s + text[at:] + "\n"
}

// emptyList and emptyTop tell whether a list holds nothing but white space and comments.
func emptyList(text string, app erlterms.App) bool {
	return erlterms.Blank(text[app.ListStart+1 : app.ListEnd])
}

func emptyTop(text string, cfg erlterms.Config) bool {
	return erlterms.Blank(text[cfg.Start+1 : cfg.End])
}
