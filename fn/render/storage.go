package render

import (
	"path"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// storage returns the PersistentVolumes and claims that exist outside the StatefulSet:
// the shared NFS volume with its claim, or one pre-bound NFS volume per pod.
func (k *cluster) storage() []Object {
	switch k.Spec.Persistence.Mode() {
	case v1alpha1.PersistenceNFSShared:
		return []Object{k.sharedNFSVolume(), k.sharedClaim()}
	case v1alpha1.PersistenceNFSPerPod:
		objs := make([]Object, k.Replicas())
		for i := range objs {
			objs[i] = k.perPodNFSVolume(i)
		}
		return objs
	}
	return nil
}

func (k *cluster) size() resource.Quantity {
	return resource.MustParse(string(k.Spec.Persistence.Size))
}

// nfsVolume is a Retain volume with no storage class, so that only the claim meant for it
// binds it and deleting the claim never deletes the data.
func (k *cluster) nfsVolume(name, exportPath string, mode corev1.PersistentVolumeAccessMode) *corev1.PersistentVolume {
	nfs := k.Spec.Persistence.NFS
	return &corev1.PersistentVolume{
		TypeMeta:   typeMeta("v1", "PersistentVolume"),
		ObjectMeta: k.clusterMeta(name),
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: k.size()},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{mode},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              "",
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				NFS: &corev1.NFSVolumeSource{Server: nfs.Server, Path: exportPath},
			},
		},
	}
}

// sharedNFSVolume is the article's volume: one export for every pod, each pod keeping its
// data in its own directory (RABBITMQ_MNESIA_BASE).
//
// When the namespace is known the volume is also pre-bound to its claim, so no other claim
// (the deployed etcd's, say) can ever take it; without one, kustomize sets the namespace later
// and the claim's volumeName alone pins the pair.
func (k *cluster) sharedNFSVolume() Object {
	pv := k.nfsVolume(k.names.PersistentVolume(), k.Spec.Persistence.NFS.Path, corev1.ReadWriteMany)
	if k.Namespace != "" {
		pv.Spec.ClaimRef = k.claimRef(k.names.DataClaim())
	}
	return pv
}

func (k *cluster) claimRef(claim string) *corev1.ObjectReference {
	return &corev1.ObjectReference{APIVersion: "v1", Kind: "PersistentVolumeClaim", Namespace: k.Namespace, Name: claim}
}

// sharedClaim is pinned to the shared volume by name.
func (k *cluster) sharedClaim() Object {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   typeMeta("v1", "PersistentVolumeClaim"),
		ObjectMeta: k.meta(k.names.DataClaim()),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			StorageClassName: ptr(""),
			VolumeName:       k.names.PersistentVolume(),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: k.size()}},
		},
	}
}

// perPodNFSVolume is pod i's own export directory, pre-bound to the claim the StatefulSet
// controller will create for that pod.
func (k *cluster) perPodNFSVolume(i int) Object {
	pv := k.nfsVolume(k.names.PerPodPersistentVolume(i), k.perPodExportDir(i), corev1.ReadWriteOnce)
	pv.Spec.ClaimRef = k.claimRef(k.names.PerPodClaim(i))
	return pv
}

// perPodExportDir is pod i's directory on the NFS export (perPod), which must exist beforehand.
func (k *cluster) perPodExportDir(i int) string {
	return path.Join(k.Spec.Persistence.NFS.Path, k.names.Pod(i))
}

// volumeClaimTemplates are used by the dynamic and the per-pod NFS modes.
func (k *cluster) volumeClaimTemplates() []corev1.PersistentVolumeClaim {
	var class *string
	switch k.Spec.Persistence.Mode() {
	case v1alpha1.PersistenceVolumeClaims:
		if k.Spec.Persistence.StorageClassName != "" {
			class = ptr(k.Spec.Persistence.StorageClassName)
		}
	case v1alpha1.PersistenceNFSPerPod:
		class = ptr("") // bind only the pre-bound NFS volumes, never provision
	default:
		return nil
	}
	return []corev1.PersistentVolumeClaim{{
		ObjectMeta: metav1.ObjectMeta{Name: k.names.DataVolume(), Labels: k.labels()},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: class,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: k.size()}},
		},
	}}
}

// dataVolumeSource is the pod volume for the modes that do not use claim templates.
func (k *cluster) dataVolumeSource() (corev1.VolumeSource, bool) {
	switch k.Spec.Persistence.Mode() {
	case v1alpha1.PersistenceNFSShared:
		return corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: k.names.DataClaim()}}, true
	case v1alpha1.PersistenceEmptyDir:
		size := k.size()
		return corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &size}}, true
	}
	return corev1.VolumeSource{}, false
}
