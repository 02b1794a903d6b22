package krm

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Execute runs Processor on the ResourceList read from in and writes the result to out. It is
// framework.Execute(Processor{}, &kio.ByteReadWriter{KeepReaderAnnotations: true}) step by
// step, with the same output bytes and the same errors, but it does not keep what it
// generates as yaml.Node trees until the end, and does not write the output with kyaml's
// ByteWriter, which deep-copies every item and encodes the whole ResourceList as one yaml.v3
// document (see emitter for why that is slow and large). Instead, each config's objects are
// encoded as soon as they are final (see pipeline), and the output is written item by item in
// 64 KiB writes. With 1000 clusters that is a few MB of encoded objects instead of GBs of
// nodes.
//
// Input that is not wrapped in a ResourceList (a plain YAML stream), or whose comments yaml.v3
// would carry from one item to the next (see commentsCarryOver), goes the SDK's way.
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
	if rw.WrappingKind != "" && !commentsCarryOver(items) {
		if index, ok := indexItems(items); ok {
			p := &pipeline{items: items, index: index, nodeAnnos: nodeAnnos}
			return p.execute(out, log, rw)
		}
	}
	return executeInMemory(out, log, rw, items, nodeAnnos)
}

// executeInMemory is the rest of framework.Execute as it is.
func executeInMemory(out, log io.Writer, rw *kio.ByteReadWriter, items []*yaml.RNode, nodeAnnos map[string]map[string]string) error {
	rl := ResourceList{Items: items, FunctionConfig: rw.FunctionConfig}
	retErr := Processor{}.Process(&rl)
	if err := kio.ReconcileInternalAnnotations(rl.Items, nodeAnnos); err != nil {
		return err
	}
	if err := setResults(rw, rl.Results, log); err != nil {
		return err
	}
	// yaml.v3 writes in 128-byte pieces: buffer them into fewer writes.
	w := bufio.NewWriterSize(out, 64<<10)
	rw.Writer = w
	err := rw.Write(rl.Items)
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
func setResults(rw *kio.ByteReadWriter, results Results, log io.Writer) error {
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

// indexItems is Upsert's index of the input items. ok is false when identityOf panics on one
// of them: Upsert would too, but only once every config has rendered, so that input goes
// the SDK's way.
func indexItems(items []*yaml.RNode) (index map[identity]int, ok bool) {
	defer func() {
		if recover() != nil {
			index, ok = nil, false
		}
	}()
	index = make(map[identity]int, len(items))
	for i, item := range items {
		index[identityOf(item)] = i
	}
	return index, true
}

// annotationsFormat is determineAnnotationsFormat of kio.ReconcileInternalAnnotations: which
// placement annotations the input uses (internal, legacy, both, or none found), which the
// output must use too.
func annotationsFormat(nodeAnnos map[string]map[string]string) (useInternal, useLegacy bool, err error) {
	if len(nodeAnnos) == 0 {
		return true, true, nil
	}
	var internal, legacy *bool
	for _, annos := range nodeAnnos {
		has := func(keys ...string) bool {
			for _, k := range keys {
				if _, ok := annos[k]; ok {
					return true
				}
			}
			return false
		}
		foundInternal := has(kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.IdAnnotation)
		foundLegacy := has(kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.LegacyIdAnnotation)
		if !foundInternal && !foundLegacy {
			continue
		}
		if internal == nil {
			internal, legacy = &foundInternal, &foundLegacy
		}
		if foundInternal != *internal || foundLegacy != *legacy {
			return false, false, fmt.Errorf("the annotation formatting in the input resources is not consistent")
		}
	}
	if internal != nil {
		useInternal, useLegacy = *internal, *legacy
	}
	return useInternal, useLegacy, nil
}

// placementPairs are the internal and legacy forms of the placement annotations.
var placementPairs = [...]struct{ internal, legacy, what string }{
	{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation, "path"},
	{kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation, "index"},
	{kioutil.IdAnnotation, kioutil.LegacyIdAnnotation, "id"},
}

// reconcileGenerated is kio.ReconcileInternalAnnotations for one generated object: each
// placement annotation in both forms, then only the forms the input uses. It reads the
// annotations from the node instead of decoding metadata (GetMeta) five times, most of the
// time kio spent on each object. A generated object has no migration id, so the check
// whether the function moved an input item does not apply to it; an object that has one,
// or annotations that are not plain strings, goes through kio.
func reconcileGenerated(g *yaml.RNode, useInternal, useLegacy bool, nodeAnnos map[string]map[string]string) error {
	annos, ok := stringAnnotations(g.YNode())
	if _, moved := annos[kioutil.InternalAnnotationsMigrationResourceIDAnnotation]; !ok || moved {
		return kio.ReconcileInternalAnnotations([]*yaml.RNode{g}, nodeAnnos)
	}
	// Setting a missing key and clearing one are done on the annotations node directly, as
	// yaml.SetAnnotation's FieldSetter (append the pair) and yaml.ClearAnnotation's
	// FieldClearer (cut it out) do; kyaml's Pipes cost more than the rest of this.
	node := mapValue(mapValue(g.YNode(), yaml.MetadataField), yaml.AnnotationsField)
	set := func(key, value string) error {
		_, present := annos[key]
		annos[key] = value
		if present || node == nil || len(node.Content) == 0 {
			err := g.PipeE(yaml.SetAnnotation(key, value))
			node = mapValue(mapValue(g.YNode(), yaml.MetadataField), yaml.AnnotationsField) // it may be new
			return err
		}
		v := &yaml.Node{}
		v.SetString(value)
		v.Style = yaml.SingleQuotedStyle
		node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
		return nil
	}
	clear := func(key string) error {
		if _, present := annos[key]; !present {
			return nil
		}
		delete(annos, key)
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == key {
				node.Content = append(node.Content[:i], node.Content[i+2:]...)
				break
			}
		}
		return nil
	}
	for _, p := range placementPairs {
		v, legacy := annos[p.internal], annos[p.legacy]
		var err error
		switch {
		case v == "" && legacy == "":
		case v == "":
			err = set(p.internal, legacy)
		case legacy == "":
			err = set(p.legacy, v)
		}
		if err != nil {
			return err
		}
	}
	for _, p := range placementPairs {
		if !useInternal {
			if err := clear(p.internal); err != nil {
				return err
			}
		}
		if !useLegacy {
			if err := clear(p.legacy); err != nil {
				return err
			}
		}
	}
	for _, p := range placementPairs {
		if v, legacy := annos[p.internal], annos[p.legacy]; v != "" && legacy != "" && v != legacy {
			return fmt.Errorf("resource input to function has mismatched legacy and internal %s annotations", p.what)
		}
	}
	return nil
}

// stringAnnotations reads metadata.annotations when it is a map of strings (ok false
// otherwise).
func stringAnnotations(n *yaml.Node) (map[string]string, bool) {
	annos := map[string]string{}
	md := mapValue(n, yaml.MetadataField)
	if md == nil {
		return annos, n.Kind == yaml.MappingNode
	}
	a := mapValue(md, yaml.AnnotationsField)
	if md.Kind != yaml.MappingNode || a == nil {
		return annos, md.Kind == yaml.MappingNode
	}
	if a.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(a.Content); i += 2 {
		k, v := a.Content[i], a.Content[i+1]
		if _, dup := annos[k.Value]; dup || !isString(k) || !isString(v) {
			return nil, false
		}
		annos[k.Value] = v.Value
	}
	return annos, true
}

// isString reports whether n reads as a string (kyaml creates keys without a tag).
func isString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.Tag == "!!str" || n.Tag == "" && resolvedTag(n.Value) == "!!str")
}

// mapValue is the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// pipeline is Processor.Process, ReconcileInternalAnnotations and ClearEmptyAnnotations for
// the streaming path: config by config, it generates the objects, upserts them (as Upsert
// does: in place of the input item with the same identity, keeping its placement, or
// appended), and encodes them as output items right away. Only the encoded bytes stay.
type pipeline struct {
	items     []*yaml.RNode
	index     map[identity]int
	nodeAnnos map[string]map[string]string
	// The placement annotation forms of the output, or why there are none.
	useInternal, useLegacy bool
	formatErr              error

	enc      rlWriter         // encodes the generated objects; never flushed
	replaced map[int]*encoded // input item index -> the generated object in its place
	appended []*encoded       // generated objects that replaced no input item
}

// encoded is one generated object as output bytes: enc.e.buf[start:end].
type encoded struct {
	start, end int
	openEnded  bool
	placement  map[string]string // its placement annotations before reconciling, see upsert
}

func (p *pipeline) execute(out, log io.Writer, rw *kio.ByteReadWriter) error {
	p.useInternal, p.useLegacy, p.formatErr = annotationsFormat(p.nodeAnnos)
	results, err := p.generate(rw.FunctionConfig)
	if err != nil {
		return err
	}
	var retErr error
	if results.ExitCode() != 0 {
		// As Process: nothing generated is kept.
		p.replaced, p.appended, retErr = nil, nil, results
	}
	var kept []*yaml.RNode
	for i, item := range p.items {
		if p.replaced[i] == nil {
			kept = append(kept, item)
		}
	}
	if err := kio.ReconcileInternalAnnotations(kept, p.nodeAnnos); err != nil {
		return err
	}
	if err := setResults(rw, results, log); err != nil {
		return err
	}
	for _, item := range kept {
		if err := yaml.ClearEmptyAnnotations(item); err != nil {
			return err
		}
	}
	if err := p.write(out, rw); err != nil {
		return err
	}
	return retErr
}

// generate is Process: every config is rendered (for its results) even after one failed,
// but nothing is upserted after a failure.
func (p *pipeline) generate(functionConfig *yaml.RNode) (Results, error) {
	rl := &ResourceList{Items: p.items, FunctionConfig: functionConfig}
	configs, err := configsOf(rl)
	if err != nil {
		return Results{{Message: err.Error(), Severity: Error}}, nil
	}
	if dup := duplicateConfigs(configs); dup != nil {
		return dup, nil
	}
	var results Results
	failed := false
	to := Target{Place: true, Package: packageItems(rl, configs)}
	for _, cfg := range configs {
		objs, res := Generate([]*yaml.RNode{cfg}, to)
		results = append(results, res...)
		failed = failed || res.ExitCode() != 0
		if !failed {
			if err := p.upsert(objs); err != nil {
				return nil, err
			}
		}
	}
	return results, p.enc.err
}

func (p *pipeline) upsert(objs []*yaml.RNode) error {
	if p.replaced == nil {
		p.replaced = map[int]*encoded{}
	}
	slots := make([]*encoded, len(objs))
	for j, g := range objs {
		i, ok := p.index[identityOf(g)]
		if !ok {
			slots[j] = &encoded{}
			p.appended = append(p.appended, slots[j])
			continue
		}
		// keepPlacement from what is in the item's place now: the input item, or an object
		// generated earlier with the same identity (its annotations as they were then).
		if prev := p.replaced[i]; prev != nil {
			for _, key := range placementAnnotations {
				if v, ok := prev.placement[string(key)]; ok {
					_ = g.PipeE(yaml.SetAnnotation(string(key), v))
				}
			}
		} else {
			keepPlacement(p.items[i], g)
		}
		annos := g.GetAnnotations()
		e := &encoded{placement: map[string]string{}}
		for _, key := range placementAnnotations {
			if v, ok := annos[string(key)]; ok {
				e.placement[string(key)] = v
			}
		}
		p.replaced[i], slots[j] = e, e
	}
	if p.formatErr != nil {
		return p.formatErr
	}
	for j, g := range objs {
		if err := reconcileGenerated(g, p.useInternal, p.useLegacy, p.nodeAnnos); err != nil {
			return err
		}
		if err := yaml.ClearEmptyAnnotations(g); err != nil {
			return err
		}
		e := slots[j]
		e.start = len(p.enc.e.buf)
		p.enc.item(g.YNode())
		e.end, e.openEnded = len(p.enc.e.buf), p.enc.openEnded
	}
	return nil
}

// write writes what kio.ByteWriter writes for a wrapped list with KeepReaderAnnotations:
// apiVersion, kind, items, functionConfig and results, in one YAML document.
func (p *pipeline) write(out io.Writer, rw *kio.ByteReadWriter) error {
	w := &rlWriter{out: out}
	w.pairs(key("apiVersion"), yaml.NewScalarRNode(rw.WrappingAPIVersion).YNode(),
		key("kind"), yaml.NewScalarRNode(rw.WrappingKind).YNode())
	if len(p.items)+len(p.appended) == 0 {
		w.e.buf = append(w.e.buf, "items: []\n"...)
	} else {
		w.e.buf = append(w.e.buf, "items:\n"...)
	}
	encoded := func(e *encoded) {
		w.e.buf = append(w.e.buf, p.enc.e.buf[e.start:e.end]...)
		w.openEnded = e.openEnded
	}
	for i, item := range p.items {
		if e := p.replaced[i]; e != nil {
			encoded(e)
		} else {
			w.item(item.YNode())
		}
		p.items[i] = nil // written: let the collector have it
		if len(w.e.buf) >= 64<<10 {
			w.flush()
		}
	}
	for _, e := range p.appended {
		encoded(e)
		if len(w.e.buf) >= 64<<10 {
			w.flush()
		}
	}
	var tail []*yaml.Node
	if rw.FunctionConfig != nil {
		tail = append(tail, key("functionConfig"), rw.FunctionConfig.YNode())
	}
	if rw.Results != nil {
		tail = append(tail, key("results"), rw.Results.YNode())
	}
	w.pairs(tail...)
	if w.openEnded {
		w.e.buf = append(w.e.buf, "...\n"...)
	}
	w.flush()
	return w.err
}

// commentsCarryOver reports whether an item has a comment that yaml.v3 might write after the
// item's own end (see rlWriter): then the whole document is left to the SDK's writer.
func commentsCarryOver(items []*yaml.RNode) bool {
	for _, item := range items {
		if !commentsStayIn(item.YNode(), false) {
			return true
		}
	}
	return false
}

// commentsStayIn reports whether yaml.v3 writes every comment of n while writing n: head
// comments, except on a mapping's scalar values (written before the next key), and line
// comments on scalar values whose key has none. Foot comments decide blank lines after them
// and are never taken as staying in.
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

func key(name string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: name}
}

// rlWriter writes one ResourceList document in parts. Each part is written by emitter or, when
// it has something emitter does not write (comments, anchors, ...), by yaml.v3 as a document
// of its own. The two agree byte for byte because every part starts on a new line at the
// top-level mapping or the items sequence, where yaml.v3 carries no state from the part
// before, except:
//   - comments: yaml.v3 writes some of them only when the next node comes, possibly in the
//     next part, and a foot comment decides whether a blank line follows. Documents with
//     such comments are not written in parts at all (see commentsCarryOver);
//   - a literal block with keep chomping ("|+") at the very end of the document makes yaml.v3
//     close the stream with "...", tracked in openEnded.
type rlWriter struct {
	out       io.Writer
	e         emitter
	err       error
	openEnded bool
	scratch   bytes.Buffer
}

// item writes one element of the items sequence.
func (w *rlWriter) item(n *yaml.Node) {
	start := len(w.e.buf)
	if w.e.seqItem(n, 0) {
		w.openEnded = false
		return
	}
	w.e.buf = w.e.buf[:start]
	seq := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}
	w.encode("items:\n", key("items"), seq)
}

// pairs writes top-level key/value pairs (kv alternates keys and values).
func (w *rlWriter) pairs(kv ...*yaml.Node) {
	if len(kv) == 0 {
		return
	}
	start := len(w.e.buf)
	m := &yaml.Node{Kind: yaml.MappingNode, Content: kv}
	if w.e.mapping(m, 0, false) {
		w.openEnded = false
		return
	}
	w.e.buf = w.e.buf[:start]
	w.encode("", kv...)
}

// encode lets yaml.v3 (kyaml's encoder settings) write a mapping of the pairs as a document,
// and appends it without prefix, which the document starts with.
func (w *rlWriter) encode(prefix string, kv ...*yaml.Node) {
	if w.err != nil {
		return
	}
	w.scratch.Reset()
	enc := yaml.NewEncoder(&w.scratch)
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: kv}}}
	if err := enc.Encode(doc); err != nil {
		w.err = errors.Wrap(err)
		return
	}
	if err := enc.Close(); err != nil {
		w.err = errors.Wrap(err)
		return
	}
	b := w.scratch.Bytes()
	if !bytes.HasPrefix(b, []byte(prefix)) {
		w.err = errors.Errorf("internal error: yaml.v3 wrote %q for a ResourceList part", b)
		return
	}
	b = b[len(prefix):]
	// Closing the stream wrote "..." because the part ended open-ended; only the end of the
	// whole document keeps it.
	b, w.openEnded = bytes.CutSuffix(b, []byte("\n...\n"))
	if w.openEnded {
		b = append(b, '\n')
	}
	w.e.buf = append(w.e.buf, b...)
}

func (w *rlWriter) flush() {
	if w.err == nil && len(w.e.buf) > 0 {
		_, w.err = w.out.Write(w.e.buf)
	}
	w.e.buf = w.e.buf[:0]
}
