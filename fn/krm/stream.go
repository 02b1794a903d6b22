package krm

import (
	"bufio"
	"cmp"
	"io"
	"slices"

	"sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Execute is framework.Execute(Processor{}, &kio.ByteReadWriter{KeepReaderAnnotations: true})
// with the same bytes and errors, but each generated object is encoded as soon as it is final,
// not kept as a node tree: 1000 clusters take MBs, not GBs. A plain YAML stream, or comments
// that yaml.v3 writes after an item's end (commentsCarryOver), go kio.ByteWriter's way.
// Results also go to log, unless kpt sent the input: kustomize (and Argo CD) shows stderr only.
func Execute(in io.Reader, out, log io.Writer) error {
	rw := &kio.ByteReadWriter{Reader: in, KeepReaderAnnotations: true}
	items, err := rw.Read()
	if err != nil {
		return errors.WrapPrefixf(err, "failed to read ResourceList input")
	}
	if sentByKpt(items) {
		log = io.Discard
	}
	nodeAnnos, err := kio.PreprocessResourcesForInternalAnnotationMigration(items)
	if err != nil {
		return err
	}
	o := NewOutput(keptItems(items, rw.FunctionConfig), true)
	streaming := rw.WrappingKind != "" && !commentsCarryOver(items)
	if streaming {
		o.encode = reconcileAndEncode(nodeAnnos)
	}
	rl := &framework.ResourceList{Items: items, FunctionConfig: rw.FunctionConfig}
	retErr := Process(rl, o)
	if err := kio.ReconcileInternalAnnotations(o.Nodes(), nodeAnnos); err != nil {
		return err
	}
	if err := setResults(rw, rl.Results, log); err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 64<<10) // yaml.v3 writes in 128-byte pieces
	if streaming {
		err = o.writeList(w, rw)
	} else {
		rw.Writer = w
		err = rw.Write(o.Nodes())
	}
	return cmp.Or(err, w.Flush(), retErr) // what was written before an error goes out too
}

// setResults is framework.Execute's (new results replace the input's), plus the log.
func setResults(rw *kio.ByteReadWriter, results framework.Results, log io.Writer) error {
	if len(results) == 0 {
		return nil
	}
	PrintResults(log, results)
	b, err := yaml.Marshal(results)
	if err != nil {
		return errors.Wrap(err)
	}
	rw.Results, err = yaml.Parse(string(b))
	return errors.Wrap(err)
}

// reconcileAndEncode finishes a generated object as framework.Execute does at the end (kio's
// ReconcileInternalAnnotations, ByteWriter's ClearEmptyAnnotations) and encodes it. For an
// object without a migration id, kio reads only the input's placement forms from nodeAnnos
// (checked on the kept items): one item stands for all, not every item for every object.
func reconcileAndEncode(nodeAnnos map[string]map[string]string) func(*yaml.RNode) (part, error) {
	format := map[string]map[string]string{}
	for id, annos := range nodeAnnos {
		if format = map[string]map[string]string{id: annos}; hasPlacement(annos) {
			break
		}
	}
	return func(g *yaml.RNode) (part, error) {
		if err := kio.ReconcileInternalAnnotations([]*yaml.RNode{g}, format); err != nil {
			return part{}, err
		}
		return encodeItem(g)
	}
}

// internalIDs are the annotations by which kio matches an output object to an input item: its
// placement (placementAnnotations) and its id.
var internalIDs = append([]string{kioutil.IdAnnotation, kioutil.LegacyIdAnnotation}, placementAnnotations...)

func hasPlacement(annos map[string]string) bool {
	return slices.ContainsFunc(internalIDs, func(key string) bool { _, ok := annos[key]; return ok })
}
