package krm

import (
	"bufio"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Execute is framework.Execute(Processor{}, &kio.ByteReadWriter{KeepReaderAnnotations: true})
// with the same output bytes and errors, except that generated objects are not kept as node
// trees until the end: each is encoded by yaml.v3 as soon as it is final (Output.encode), and
// the ResourceList is written item by item. kio.ByteWriter encodes the whole list as one
// document, which with 1000 clusters means GBs of nodes instead of a few MB of bytes.
//
// Input that is not a ResourceList (a plain YAML stream), or whose comments yaml.v3 would write
// after the item's end (see commentsCarryOver), is written by kio.ByteWriter as one document.
//
// Every result is also written to log as one line (see Message), unless kpt sent the input:
// kustomize (and Argo CD through it) prints a function's stderr but never its results, so
// warnings would go unseen; kpt prints both, so it would show them twice.
func Execute(in io.Reader, out, log io.Writer) error {
	rw := &kio.ByteReadWriter{Reader: in, KeepReaderAnnotations: true}
	items, err := rw.Read()
	if err != nil {
		return errors.WrapPrefixf(err, "failed to read ResourceList input")
	}
	if SentByKpt(items) {
		log = nil
	}
	nodeAnnos, err := kio.PreprocessResourcesForInternalAnnotationMigration(items)
	if err != nil {
		return err
	}
	o := NewOutput(items, true)
	streaming := rw.WrappingKind != "" && !commentsCarryOver(items)
	if streaming {
		o.encode = reconcileAndEncode(nodeAnnos)
	}
	rl := &framework.ResourceList{Items: items, FunctionConfig: rw.FunctionConfig}
	retErr := Process(rl, o)
	// Generated objects were reconciled by encode, or are reconciled here with the items.
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
	if ferr := w.Flush(); err == nil { // what was written before an error goes out too
		err = ferr
	}
	if err != nil {
		return err
	}
	return retErr
}

// setResults is framework.Execute's: new results replace the input's, as YAML that went
// through a text round trip. They are also written to log, one line each, when it is set.
func setResults(rw *kio.ByteReadWriter, results framework.Results, log io.Writer) error {
	if len(results) == 0 {
		return nil
	}
	if log != nil {
		for _, r := range results {
			fmt.Fprintln(log, Message(r))
		}
	}
	b, err := yaml.Marshal(results)
	if err != nil {
		return errors.Wrap(err)
	}
	rw.Results, err = yaml.Parse(string(b))
	return errors.Wrap(err)
}

// reconcileAndEncode finishes a generated object as framework.Execute would at the end
// (kio.ReconcileInternalAnnotations, then kio.ByteWriter's ClearEmptyAnnotations) and encodes
// it. kio reads two things from nodeAnnos: the placement annotation forms the input uses
// (internal, legacy or both; the same in every item that has any, which Execute checks on the
// kept items), and an item's original annotations by its migration id, which a generated
// object does not have. So one item with placement annotations stands for all of them: kio
// would otherwise scan every input item for every generated object.
func reconcileAndEncode(nodeAnnos map[string]map[string]string) func(*yaml.RNode) (part, error) {
	format := map[string]map[string]string{}
	for id, annos := range nodeAnnos {
		if len(format) == 0 || hasPlacement(annos) {
			format = map[string]map[string]string{id: annos}
		}
		if hasPlacement(annos) {
			break
		}
	}
	return func(g *yaml.RNode) (part, error) {
		if err := kio.ReconcileInternalAnnotations([]*yaml.RNode{g}, format); err != nil {
			return part{}, err
		}
		if err := yaml.ClearEmptyAnnotations(g); err != nil {
			return part{}, err
		}
		return encodePart(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{g.YNode()}})
	}
}

func hasPlacement(annos map[string]string) bool {
	for _, p := range placementPairs {
		if _, ok := annos[p.internal]; ok {
			return true
		}
		if _, ok := annos[p.legacy]; ok {
			return true
		}
	}
	return false
}
