// Package k8stypes links the k8s.io/api groups that fn/render builds objects of, and nothing
// else. hack/nullfn and hack/nullfn/replay import it when built with the k8stypes tag, so that
// hack/bench.sh can measure what linking the typed API alone costs a process: each group's
// init registers every type of the group with a scheme (runtime.Scheme, which looks methods up
// by name), so the linker keeps every type and method of the group, used or not.
package k8stypes

import (
	_ "k8s.io/api/apps/v1"
	_ "k8s.io/api/batch/v1"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/api/networking/v1"
	_ "k8s.io/api/policy/v1"
	_ "k8s.io/api/rbac/v1"
)
