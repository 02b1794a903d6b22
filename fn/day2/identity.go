package day2

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// recreate is the procedure for a StatefulSet field Kubernetes refuses to update: the
// StatefulSet goes, its pods and claims stay and are adopted by the new one.
const recreate = "Kubernetes refuses to change it on an existing StatefulSet. To change it anyway: " +
	"`kubectl delete statefulset %s --cascade=orphan` (the pods and their volumes keep running), then apply the new output: " +
	"the new StatefulSet adopts the pods. In the kpt package, delete the old StatefulSet's file before rendering"

// growClaims is what a bigger volume also needs: claims keep the size they were created with.
const growClaims = ". Existing claims keep their size: grow each (kubectl patch pvc) first, where the StorageClass allows expansion"

// checkIdentity refuses what renames the nodes (a node's name is its data directory) and
// changes to StatefulSet fields that are immutable.
func checkIdentity(prev, next *appsv1.StatefulSet) field.ErrorList {
	var errs field.ErrorList
	if was, now := nodeName(prev), nodeName(next); was != "" && was != now {
		errs = append(errs, field.Invalid(field.NewPath("spec", "clusterDomain"), now, fmt.Sprintf(
			"every node would get a new name (%s -> %s): a RabbitMQ node's name is its data directory, so the cluster would start empty and the data would be orphaned. "+
				"Keep the old value, or build a new cluster and move the messages to it (a blue-green deployment)", was, now)))
	}
	// serviceName and the selector derive from metadata.name, which names the StatefulSet too.
	immutable := []struct {
		path, field, more string
		was, now          any
	}{
		{"spec.podManagementPolicy", "podManagementPolicy", "", prev.Spec.PodManagementPolicy, next.Spec.PodManagementPolicy},
		{"spec.persistence", "volumeClaimTemplates", growClaims, claimSpecs(prev), claimSpecs(next)},
	}
	for _, f := range immutable {
		if !equality.Semantic.DeepEqual(f.was, f.now) {
			errs = append(errs, field.Invalid(field.NewPath(f.path), fmt.Sprint(f.now), fmt.Sprintf(
				"changes the StatefulSet's %s (%v -> %v): "+recreate+f.more, f.field, f.was, f.now, next.Name)))
		}
	}
	return errs
}

// nodeName is the rabbitmq container's RABBITMQ_NODENAME (as rendered, with $(VAR) references).
func nodeName(s *appsv1.StatefulSet) string {
	for _, c := range s.Spec.Template.Spec.Containers {
		for _, e := range c.Env {
			if c.Name == "rabbitmq" && e.Name == "RABBITMQ_NODENAME" {
				return e.Value
			}
		}
	}
	return ""
}

// claimSpec is what a volumeClaimTemplate asks for; labels and annotations that later kpt
// functions may add are not compared.
type claimSpec struct {
	Name, Class, Size string
	Modes             []string
}

func (c claimSpec) String() string {
	s := fmt.Sprintf("%s %s %v", c.Name, c.Size, c.Modes)
	if c.Class != "" {
		s += " storageClassName " + c.Class
	}
	return s
}

func claimSpecs(s *appsv1.StatefulSet) []claimSpec {
	var specs []claimSpec
	for _, t := range s.Spec.VolumeClaimTemplates {
		c := claimSpec{Name: t.Name, Size: t.Spec.Resources.Requests.Storage().String()}
		if t.Spec.StorageClassName != nil {
			c.Class = *t.Spec.StorageClassName
		}
		for _, m := range t.Spec.AccessModes {
			c.Modes = append(c.Modes, string(m))
		}
		specs = append(specs, c)
	}
	return specs
}
