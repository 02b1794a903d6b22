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
	items []*yaml.RNode    // the input items kept
	slots []slot           // the output items
	index map[identity]int // input items by identity; generated objects are not indexed
	place bool             // file generated objects in the kpt package
	// encode turns a final generated object into bytes as soon as it is upserted (Execute).
	encode func(*yaml.RNode) (part, error)
}

// slot is an output item: an input item, or a generated object as a node or bytes, with its
// placement annotations (kept), which an object that replaces it keeps.
type slot struct {
	node *yaml.RNode
	text part
	kept map[string]string
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

// prepare makes the slots of generated objects, encoding those that replace no input item
// (upsert appends them as they are). It only reads o: Render calls it on every CPU.
func (o *Output) prepare(objs []*yaml.RNode) ([]slot, error) {
	slots := make([]slot, len(objs))
	for i, g := range objs {
		var err error
		if slots[i] = (slot{node: g, kept: placementOf(g)}); o.replaced(g) < 0 {
			slots[i], err = o.finish(slots[i])
		}
		if err != nil {
			return nil, err
		}
	}
	return slots, nil
}

// upsert puts prepared slots in the output: in place of the item with the same identity,
// which keeps that item's file placement, or appended.
func (o *Output) upsert(slots []slot) error {
	for _, s := range slots {
		i := o.replaced(s.node)
		if i < 0 {
			o.slots = append(o.slots, s)
			continue
		}
		err := keepPlacement(o.slots[i].kept, s.node)
		if err == nil {
			o.slots[i], err = o.finish(slot{node: s.node, kept: placementOf(s.node)})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// replaced is the index of the input item g replaces, or -1 (none, or g is already encoded).
func (o *Output) replaced(g *yaml.RNode) int {
	if g == nil {
		return -1
	}
	id, _ := identityOf(g) // generated objects always have one
	if i, ok := o.index[id]; ok {
		return i
	}
	return -1
}

// finish encodes s's object when the output streams (Execute).
func (o *Output) finish(s slot) (slot, error) {
	if o.encode == nil {
		return s, nil
	}
	text, err := o.encode(s.node)
	return slot{text: text, kept: s.kept}, err
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
		o.slots = append(o.slots, slot{node: item, kept: placementOf(item)})
	}
}

// Add puts a typed object in the output (the cookie command).
func (o *Output) Add(obj render.Object) error {
	n, err := toRNode(obj)
	if err != nil {
		return err
	}
	slots, err := o.prepare([]*yaml.RNode{n})
	if err != nil {
		return err
	}
	return o.upsert(slots)
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
