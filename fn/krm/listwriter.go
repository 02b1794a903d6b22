package krm

import (
	"bytes"
	"io"

	"sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// part is a piece of the ResourceList that yaml.v3 writes alone: the pairs before the items,
// one item, the pairs after them. yaml.v3 carries no state across these points, except for
// comments (see commentsCarryOver) and the "..." that ends a stream after a "|+" literal:
// only the document's end keeps it (openEnded).
type part struct {
	text      []byte
	openEnded bool
}

// encodePart writes n as a document with kyaml's encoder settings; a sequence of one item as
// it is under "items:" (compact sequence indent).
func encodePart(n *yaml.Node) (part, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}); err != nil {
		return part{}, errors.Wrap(err)
	}
	if err := enc.Close(); err != nil {
		return part{}, errors.Wrap(err)
	}
	text, openEnded := bytes.CutSuffix(b.Bytes(), []byte("\n...\n"))
	if openEnded {
		text = append(text, '\n')
	}
	return part{text, openEnded}, nil
}

func key(name string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: name}
}

// writeList writes what kio.ByteWriter writes for a wrapped list with KeepReaderAnnotations
// (apiVersion, kind, items, functionConfig and results, in one YAML document), item by item.
func (o *Output) writeList(out io.Writer, rw *kio.ByteReadWriter) error {
	head, err := encodePart(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		key("apiVersion"), key(rw.WrappingAPIVersion), key("kind"), key(rw.WrappingKind)}})
	if len(o.slots) == 0 {
		head.text = append(head.text, "items: []\n"...)
	} else {
		head.text = append(head.text, "items:\n"...)
	}
	tail := &yaml.Node{Kind: yaml.MappingNode}
	if rw.FunctionConfig != nil {
		tail.Content = append(tail.Content, key("functionConfig"), rw.FunctionConfig.YNode())
	}
	if rw.Results != nil {
		tail.Content = append(tail.Content, key("results"), rw.Results.YNode())
	}
	if err == nil {
		_, err = out.Write(head.text)
	}
	last := head
	for i := 0; i < len(o.slots) && err == nil; i++ {
		if last, err = o.slots[i].encoded(); err == nil {
			_, err = out.Write(last.text)
		}
		o.slots[i] = slot{} // written: let the collector have it
	}
	if len(tail.Content) > 0 && err == nil {
		if last, err = encodePart(tail); err == nil {
			_, err = out.Write(last.text)
		}
	}
	if last.openEnded && err == nil {
		_, err = io.WriteString(out, "...\n")
	}
	return err
}

// encoded is the slot as a list item.
func (s slot) encoded() (part, error) {
	if s.node == nil {
		return s.text, nil
	}
	return encodeItem(s.node)
}

// encodeItem writes n as an item of the list, after kio.ByteWriter's ClearEmptyAnnotations.
func encodeItem(n *yaml.RNode) (part, error) {
	if err := yaml.ClearEmptyAnnotations(n); err != nil {
		return part{}, err
	}
	return encodePart(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n.YNode()}})
}

// commentsCarryOver reports whether yaml.v3 might write a comment after its item's end.
func commentsCarryOver(items []*yaml.RNode) bool {
	for _, item := range items {
		if !commentsStayIn(item.YNode(), false) {
			return true
		}
	}
	return false
}

// commentsStayIn reports whether yaml.v3 writes every comment of n while writing n (foot
// comments decide blank lines after them, so never).
func commentsStayIn(n *yaml.Node, mappingValue bool) bool {
	if n.FootComment != "" || n.HeadComment != "" && mappingValue && n.Kind == yaml.ScalarNode ||
		n.LineComment != "" && n.Kind != yaml.ScalarNode {
		return false
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.LineComment != "" || k.Kind != yaml.ScalarNode || !commentsStayIn(k, false) || !commentsStayIn(v, true) {
				return false
			}
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if !commentsStayIn(item, false) {
				return false
			}
		}
	}
	return true
}
