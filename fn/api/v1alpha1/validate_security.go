package v1alpha1

import (
	"fmt"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"net"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// validateSecretName reports a Secret name that Kubernetes would refuse; required says
// what to write when it is empty.
func validateSecretName(errs *field.ErrorList, field, name, required string) {
	if name == "" {
		add(errs, field, "is required: %s", required)
		return
	}
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		add(errs, field, "%q is not a valid Secret name: %s", name, msg)
	}
}

// validateSecurity checks the default user, TLS and NetworkPolicy settings.
func validateSecurity(errs *field.ErrorList, s *Spec) {
	if u := s.DefaultUser; u != nil {
		validateSecretName(errs, "spec.defaultUser.secretName", u.SecretName, "the Secret with keys username and password (kubectl create secret generic NAME --type kubernetes.io/basic-auth --from-literal=username=admin --from-literal=password=...)")
	}
	if t := s.TLS; t != nil {
		validateSecretName(errs, "spec.tls.secretName", t.SecretName, "a kubernetes.io/tls Secret with tls.crt and tls.key (e.g. from a cert-manager Certificate)")
		if t.CASecretName != "" {
			validateSecretName(errs, "spec.tls.caSecretName", t.CASecretName, "")
		}
	}
	if np := s.NetworkPolicy; np != nil {
		for i, ns := range np.ClientNamespaces {
			for _, msg := range validation.IsDNS1123Label(ns) {
				add(errs, fmt.Sprintf("spec.networkPolicy.clientNamespaces[%d]", i), "%q is not a namespace name: %s", ns, msg)
			}
		}
		for i, cidr := range np.ClientCIDRs {
			if _, _, err := net.ParseCIDR(cidr); err != nil {
				add(errs, fmt.Sprintf("spec.networkPolicy.clientCIDRs[%d]", i), "%q is not a CIDR: write e.g. 10.0.0.0/8 or 203.0.113.7/32", cidr)
			}
		}
	}
}

// ezFilePattern keeps the archive name safe to use as a file name and in an Erlang string.
var ezFilePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*\.ez$`)

func validateCommunityPlugins(errs *field.ErrorList, plugins []CommunityPlugin) {
	seen := map[string]bool{}
	for i, p := range plugins {
		base := fmt.Sprintf("spec.communityPlugins[%d]", i)
		switch {
		case p.Name == "":
			add(errs, base+".name", "is required: the plugin's name, e.g. rabbitmq_delayed_message_exchange")
		case !PluginNamePattern.MatchString(p.Name):
			add(errs, base+".name", "%q is not a plugin name: plugin names are lowercase letters, digits and '_'", p.Name)
		case seen[p.Name]:
			add(errs, base+".name", "%q is listed twice", p.Name)
		}
		seen[p.Name] = true
		if msg := checkPluginURL(p); msg != "" {
			add(errs, base+".url", "%s", msg)
		}
		if !SHA256Pattern.MatchString(p.SHA256) {
			add(errs, base+".sha256", "%q is not a sha256: write the 64 lowercase hex digits that `sha256sum FILE.ez` prints", p.SHA256)
		}
	}
}

// unsafeURLChars could end the Erlang string the URL is written into, or split it.
const unsafeURLChars = "\"\\' `\t"

// checkPluginURL returns "" for an http(s) URL of a .ez archive named after the plugin.
func checkPluginURL(p CommunityPlugin) string {
	u, err := url.Parse(p.URL)
	if p.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(p.URL, unsafeURLChars) {
		return fmt.Sprintf("%q is not a plugin download URL: write https://HOST/PATH/%s-VERSION.ez (no query string)", p.URL, nameOr(p.Name))
	}
	file := path.Base(u.Path)
	if !ezFilePattern.MatchString(file) || (p.Name != "" && !strings.HasPrefix(file, p.Name+"-")) {
		return fmt.Sprintf("%q must name a plugin archive %s-VERSION.ez: RabbitMQ loads plugins from .ez files", file, nameOr(p.Name))
	}
	return ""
}

func nameOr(name string) string {
	if name == "" {
		return "PLUGIN"
	}
	return name
}

func validateServiceMonitor(errs *field.ErrorList, sm *ServiceMonitor) {
	if sm == nil {
		return
	}
	if d, err := time.ParseDuration(sm.Interval); err != nil || d <= 0 || !ScrapeIntervalPattern.MatchString(sm.Interval) {
		add(errs, "spec.serviceMonitor.interval", "%q is not a scrape interval: write a duration such as 15s, 30s or 1m", sm.Interval)
	}
	validateLabelMap(errs, "spec.serviceMonitor.labels", sm.Labels)
}
