package krm

import (
	"bufio"
	"io"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// Output is where the KRM path, `render` and `cookie` put generated objects: the kept input
// items, each replaced in place by a generated object of the same identity, then the other
// generated objects. The one upsert policy: a second run over its own output changes nothing.
type Output struct {
	items  []*yaml.RNode                   // the input items kept
	slots  []slot                          // the output items
	index  map[identity]int                // input items by identity; generated objects are not indexed
	place  bool                            // file generated objects in the kpt package
	encode func(*yaml.RNode) (part, error) // a final generated object to bytes (Execute)
}

// slot is an output item: an input item, or a generated object as a node or as bytes.
type slot struct {
	node *yaml.RNode
	text part
}

// placed is a generated object ready for the output, and the index of the input item it
// replaces (-1: it is appended).
type placed struct {
	slot
	at int
}

// NewOutput keeps the items (none for `render` and `cookie`) in the output.
func NewOutput(items []*yaml.RNode, place bool) *Output {
	o := &Output{items: items, place: place, index: make(map[identity]int, len(items))}
	for i, item := range items {
		if id, ok := identityOf(item); ok {
			o.index[id] = i
		}
	}
	o.discardGenerated()
	return o
}

// prepare readies a config's objects for the output: as nodes, filed in the package (place),
// where one that replaces an input item takes that item's placement, and encoded when the
// output streams. It only reads o: Render runs it on every CPU.
func (o *Output) prepare(config *yaml.RNode, objs []render.Object) ([]placed, error) {
	ps := make([]placed, len(objs))
	for i, obj := range objs {
		g, err := toRNode(obj)
		if err != nil {
			return nil, err
		}
		if o.place {
			err = placeInPackage(config, g)
		}
		id, _ := identityOf(g) // generated objects always have one
		at, replaces := o.index[id]
		if !replaces {
			at = -1
		} else if err == nil {
			err = keepPlacement(placementOf(o.items[at]), g)
		}
		if err == nil {
			ps[i] = placed{at: at}
			ps[i].slot, err = o.finish(g)
		}
		if err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// upsert puts prepared objects in the output: in place of what they replace, or appended.
func (o *Output) upsert(ps []placed) {
	for _, p := range ps {
		if p.at < 0 {
			o.slots = append(o.slots, p.slot)
		} else {
			o.slots[p.at] = p.slot
		}
	}
}

// finish is g's output item, encoded when the output streams (Execute).
func (o *Output) finish(g *yaml.RNode) (slot, error) {
	if o.encode == nil {
		return slot{node: g}, nil
	}
	text, err := o.encode(g)
	return slot{text: text}, err
}

// placementAnnotations tell kpt which file and position an object has in the package.
var placementAnnotations = []kioutil.AnnotationKey{
	kioutil.PathAnnotation, kioutil.IndexAnnotation,
	kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation,
}

// keepPlacement sets the placement annotations found on what g replaces, in a fixed order.
func keepPlacement(found map[string]string, g *yaml.RNode) error {
	for _, key := range placementAnnotations {
		if v, ok := found[key]; ok {
			if err := g.PipeE(yaml.SetAnnotation(key, v)); err != nil {
				return err
			}
		}
	}
	return nil
}

func placementOf(n *yaml.RNode) map[string]string {
	found := map[string]string{}
	if hasMapMetadata(n) {
		annos := n.GetAnnotations()
		for _, key := range placementAnnotations {
			if v, ok := annos[key]; ok {
				found[key] = v
			}
		}
	}
	return found
}

// discardGenerated leaves the input items only.
func (o *Output) discardGenerated() {
	o.slots = make([]slot, 0, len(o.items))
	for _, item := range o.items {
		o.slots = append(o.slots, slot{node: item})
	}
}

// Add puts a typed object in the output (the cookie command).
func (o *Output) Add(obj render.Object) error {
	ps, err := o.prepare(nil, []render.Object{obj})
	if err == nil {
		o.upsert(ps)
	}
	return err
}

// WriteStream writes the output items as a YAML stream (the render and cookie commands).
func (o *Output) WriteStream(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10) // yaml.v3 writes in 128-byte pieces
	if err := (kio.ByteWriter{Writer: bw}).Write(o.Nodes()); err != nil {
		return err
	}
	return bw.Flush()
}

// Nodes are the output items that are nodes (all of them unless encode is set).
func (o *Output) Nodes() []*yaml.RNode {
	nodes := make([]*yaml.RNode, 0, len(o.slots))
	for _, s := range o.slots {
		if s.node != nil {
			nodes = append(nodes, s.node)
		}
	}
	return nodes
}
