package krm

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// objectNode is objectNodeJSON without encoding/json: it walks the Go value with reflection
// and builds the node tree that marshalling, decoding with UseNumber, pruning and yamlNode
// build, in one pass. The point is the cold start: encoding/json builds an encoder for every
// type reachable from a type on first use (all of PodSpec's volume sources, probes, ...
// whether set or not), about 1.1 ms of a 6 ms process; this looks at the struct types of
// values that are there, and skips the maps in between.
//
// The rules are encoding/json's (Go 1.26, encode.go): field names, omitempty and omitzero,
// embedded structs and the dominant field, Marshalers found through addressable values,
// []byte as base64, invalid UTF-8 replaced; then prune's and toRNode's drops. What it does
// not do (TextMarshalers, floats, ",string" fields, maps with keys that are not strings or
// that differ only in invalid UTF-8, unsupported kinds, failing marshalers) returns errUnsupported, and
// toRNode takes the encoding/json way for that object.
func objectNode(v reflect.Value) (*yaml.Node, error) {
	b := builders.Get().(*nodeBuilder)
	defer builders.Put(b)
	b.stack = b.stack[:0]
	n, err := b.value(v)
	if err != nil {
		return nil, err
	}
	if n.node.Kind != yaml.MappingNode {
		return nil, errUnsupported
	}
	// toRNode's drops at the top level: status always, spec when empty.
	c := n.node.Content[:0]
	for i := 0; i < len(n.node.Content); i += 2 {
		k, v := n.node.Content[i], n.node.Content[i+1]
		if k.Value == "status" || k.Value == "spec" && v.Kind == yaml.MappingNode && n.emptySpec {
			continue
		}
		c = append(c, k, v)
	}
	n.node.Content = c
	return n.node, nil
}

// built is a JSON value as a node, with what the drops need to know about it before they
// apply: whether it was null, and whether it was an object without keys.
type built struct {
	node        *yaml.Node
	null, empty bool
	emptySpec   bool // it had a "spec" key whose value was an empty object
}

var (
	errUnsupported    = errors.New("not handled by objectNode")
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// nodeBuilder allocates nodes in blocks, and builds each mapping's pairs on a stack before
// copying them out at their final size: a rendered object is a few hundred small nodes, and
// allocating them one by one was most of objectNode's time. Builders are reused (what is
// left of a block goes to the next object).
type nodeBuilder struct {
	block []yaml.Node
	stack []*yaml.Node
}

var builders = sync.Pool{New: func() any { return new(nodeBuilder) }}

func (b *nodeBuilder) node() *yaml.Node {
	if len(b.block) == 0 {
		b.block = make([]yaml.Node, 256)
	}
	n := &b.block[0]
	b.block = b.block[1:]
	return n
}

func (b *nodeBuilder) scalar(tag, value string) *yaml.Node {
	n := b.node()
	n.Kind, n.Tag, n.Value = yaml.ScalarNode, tag, value
	return n
}

func (b *nodeBuilder) string(s string) *yaml.Node {
	n := b.scalar("!!str", s)
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func (b *nodeBuilder) null() built {
	return built{node: b.scalar("!!null", "null"), null: true}
}

// typeInfo is what jsonNode needs to know about a type, looked up once per type.
type typeInfo struct {
	marshaler, addrMarshaler bool // json.Marshaler: the type itself, or its pointer
	textMarshaler            bool // encoding.TextMarshaler, either way
	byteSlice                bool // a []byte that encodes as base64
	fields                   []field
}

var typeInfos sync.Map // reflect.Type -> *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	// A pointer's method set includes its element's: one check each on it usually answers
	// both questions (Implements walks the method list, and API types have many methods).
	pt := t
	if t.Kind() != reflect.Pointer {
		pt = reflect.PointerTo(t)
	}
	ti := &typeInfo{}
	switch {
	case t.Kind() == reflect.Interface: // a pointer to an interface has no methods
		ti.marshaler = t.Implements(marshalerType)
		ti.textMarshaler = t.Implements(textMarshalerType)
	case pt.NumMethod() == 0: // no methods, no marshalers
	case pt.Implements(marshalerType):
		ti.addrMarshaler = t.Kind() != reflect.Pointer
		ti.marshaler = t.Kind() == reflect.Pointer || t.Implements(marshalerType)
		fallthrough
	default:
		ti.textMarshaler = pt.Implements(textMarshalerType)
	}
	switch t.Kind() {
	case reflect.Struct:
		ti.fields = typeFields(t)
	case reflect.Slice:
		p := reflect.PointerTo(t.Elem())
		ti.byteSlice = t.Elem().Kind() == reflect.Uint8 && !p.Implements(marshalerType) && !p.Implements(textMarshalerType)
	}
	actual, _ := typeInfos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// value is the node of v's JSON form (encoding/json's newTypeEncoder and the encoders it
// picks).
func (b *nodeBuilder) value(v reflect.Value) (built, error) {
	if !v.IsValid() {
		return b.null(), nil
	}
	ti := infoOf(v.Type())
	switch {
	case ti.addrMarshaler && v.CanAddr():
		return b.marshaler(v.Addr())
	case ti.marshaler:
		return b.marshaler(v)
	case ti.textMarshaler:
		return built{}, errUnsupported
	}
	switch v.Kind() {
	case reflect.Bool:
		return built{node: b.scalar("!!bool", strconv.FormatBool(v.Bool()))}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return built{node: b.scalar("!!int", strconv.FormatInt(v.Int(), 10))}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return built{node: b.scalar("!!int", strconv.FormatUint(v.Uint(), 10))}, nil
	case reflect.String:
		return built{node: b.string(validString(v.String()))}, nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return b.null(), nil
		}
		return b.value(v.Elem())
	case reflect.Struct:
		return b.structValue(v, ti.fields)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return built{}, errUnsupported
		}
		if v.IsNil() {
			return b.null(), nil
		}
		keys := v.MapKeys()
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = validString(k.String())
		}
		sort.Sort(byName{names, keys})
		for i := 1; i < len(names); i++ {
			if names[i] == names[i-1] {
				return built{}, errUnsupported // two keys that differed in invalid UTF-8
			}
		}
		m := b.object()
		for i, k := range keys {
			val, err := b.value(v.MapIndex(k))
			if err != nil {
				return built{}, err
			}
			m.add(names[i], val)
		}
		return m.built(), nil
	case reflect.Slice:
		if v.IsNil() {
			return b.null(), nil
		}
		if ti.byteSlice {
			return built{node: b.string(base64.StdEncoding.EncodeToString(v.Bytes()))}, nil
		}
		fallthrough
	case reflect.Array:
		n := b.node()
		n.Kind, n.Tag, n.Content = yaml.SequenceNode, "!!seq", make([]*yaml.Node, v.Len())
		for i := range n.Content {
			item, err := b.value(v.Index(i))
			if err != nil {
				return built{}, err
			}
			n.Content[i] = item.node
		}
		return built{node: n}, nil
	}
	return built{}, errUnsupported
}

type byName struct {
	names []string
	keys  []reflect.Value
}

func (b byName) Len() int           { return len(b.names) }
func (b byName) Less(i, j int) bool { return b.names[i] < b.names[j] }
func (b byName) Swap(i, j int) {
	b.names[i], b.names[j] = b.names[j], b.names[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// objectBuilder collects the pairs of a JSON object in key order on the builder's stack,
// applying prune's drops: a null creationTimestamp, and a status that was an empty object.
type objectBuilder struct {
	b         *nodeBuilder
	start     int // where its pairs start on the stack
	keys      int
	emptySpec bool
}

func (b *nodeBuilder) object() objectBuilder {
	return objectBuilder{b: b, start: len(b.stack)}
}

func (m *objectBuilder) add(name string, val built) {
	m.keys++
	if name == "spec" && val.empty {
		m.emptySpec = true
	}
	if name == "creationTimestamp" && val.null || name == "status" && val.empty {
		return
	}
	m.b.stack = append(m.b.stack, m.b.scalar("!!str", name), val.node)
}

func (m *objectBuilder) built() built {
	n := m.b.node()
	n.Kind, n.Tag = yaml.MappingNode, "!!map"
	if pairs := m.b.stack[m.start:]; len(pairs) > 0 {
		n.Content = slices.Clone(pairs)
	}
	m.b.stack = m.b.stack[:m.start]
	return built{node: n, empty: m.keys == 0, emptySpec: m.emptySpec}
}

// structValue is structEncoder.encode; fields are sorted by name.
func (b *nodeBuilder) structValue(v reflect.Value, fields []field) (built, error) {
	m := b.object()
FieldLoop:
	for i := range fields {
		f := &fields[i]
		fv := v
		for _, i := range f.index {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue FieldLoop
				}
				fv = fv.Elem()
			}
			fv = fv.Field(i)
		}
		if f.omitEmpty && isEmptyValue(fv) ||
			f.omitZero && (f.isZero == nil && fv.IsZero() || f.isZero != nil && f.isZero(fv)) {
			continue
		}
		if f.quoted {
			return built{}, errUnsupported
		}
		val, err := b.value(fv)
		if err != nil {
			return built{}, err
		}
		m.add(f.name, val)
	}
	return m.built(), nil
}

// marshaler is marshalerEncoder (resource.Quantity, intstr.IntOrString, metav1.Time)
// followed by decoding; the common short outputs are read without a json.Decoder.
func (b *nodeBuilder) marshaler(v reflect.Value) (built, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return b.null(), nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok {
		return b.null(), nil
	}
	j, err := m.MarshalJSON()
	if err != nil || !json.Valid(j) {
		return built{}, errUnsupported // encoding/json reports it
	}
	switch s := string(j); {
	case s == "null":
		return b.null(), nil
	case len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' && plainJSONString(s[1:len(s)-1]):
		return built{node: b.string(s[1 : len(s)-1])}, nil
	case s != "" && strings.Trim(s, "-0123456789") == "":
		return built{node: b.scalar("!!int", s)}, nil
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return built{}, errUnsupported
	}
	obj, isObject := out.(map[string]any)
	res := built{null: out == nil, empty: isObject && len(obj) == 0}
	if isObject {
		res.emptySpec = isEmptyMap(obj["spec"])
	}
	prune(out)
	res.node = yamlNode(out)
	return res, nil
}

// plainJSONString reports whether s is JSON string content that decodes to itself.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// validString is what a string reads back as from encoding/json: each byte of invalid UTF-8
// becomes U+FFFD.
func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	return b.String()
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type field struct {
	name                             string
	index                            []int
	tag, omitEmpty, omitZero, quoted bool
	isZero                           func(reflect.Value) bool
}

// typeFields is encoding/json's typeFields without the encoders (that is the point) and
// without the name indexes decoding needs; the fields stay sorted by name, the order of the
// keys in the node. It runs once per struct type, on the cold path, so it avoids work json's
// does not: the breadth-first walk of embedded structs only when there are any, one
// allocation for the indexes of the direct fields, and sorting positions, not fields.
func typeFields(t reflect.Type) []field {
	type embedded struct {
		index []int
		typ   reflect.Type
	}
	current := []embedded{}
	next := []embedded{{typ: t}}
	var count, nextCount map[reflect.Type]int
	var visited map[reflect.Type]bool
	fields := make([]field, 0, t.NumField())
	direct := make([]int, t.NumField()) // the indexes of the direct fields, as one array

	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, nil

		for _, f := range current {
			if f.index != nil { // an embedded struct (t itself is the first visited)
				if visited == nil {
					visited = map[reflect.Type]bool{t: true}
				}
				if visited[f.typ] {
					continue
				}
				visited[f.typ] = true
			}
			for i := 0; i < f.typ.NumField(); i++ {
				sf := f.typ.Field(i)
				if sf.Anonymous {
					t := sf.Type
					if t.Kind() == reflect.Pointer {
						t = t.Elem()
					}
					if !sf.IsExported() && t.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !isValidTag(name) {
					name = ""
				}
				var index []int
				if f.index == nil {
					direct[i] = i
					index = direct[i : i+1 : i+1]
				} else {
					index = append(slices.Clip(f.index), i)
				}

				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				var omitEmpty, omitZero, quoted bool
				for o := range strings.SplitSeq(opts, ",") {
					switch o {
					case "omitempty":
						omitEmpty = true
					case "omitzero":
						omitZero = true
					case "string":
						quoted = true
					}
				}
				if quoted {
					quoted = false
					switch ft.Kind() {
					case reflect.Bool,
						reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
						reflect.Float32, reflect.Float64,
						reflect.String:
						quoted = true
					}
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					tagged := name != ""
					if name == "" {
						name = sf.Name
					}
					fl := field{name: name, tag: tagged, index: index, omitEmpty: omitEmpty, omitZero: omitZero, quoted: quoted}
					if fl.omitZero {
						fl.isZero = isZeroFunc(sf.Type)
					}
					fields = append(fields, fl)
					if count[f.typ] > 1 {
						// Twice, so that the loop below sees the conflict.
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}
				if nextCount == nil {
					nextCount = map[reflect.Type]int{}
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, embedded{index: index, typ: ft})
				}
			}
		}
	}

	// Sort by name, then depth, then tagged first, then index sequence; of each name keep the
	// dominant field (dominantField): the first, unless the next is as deep and as tagged.
	order := make([]int, len(fields))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &fields[i], &fields[j]
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := cmp.Compare(len(a.index), len(b.index)); c != 0 {
			return c
		}
		if a.tag != b.tag {
			if a.tag {
				return -1
			}
			return +1
		}
		return slices.Compare(a.index, b.index)
	})
	out := make([]field, 0, len(fields))
	for advance, i := 0, 0; i < len(order); i += advance {
		fi := &fields[order[i]]
		for advance = 1; i+advance < len(order); advance++ {
			if fields[order[i+advance]].name != fi.name {
				break
			}
		}
		if advance > 1 {
			if dup := &fields[order[i+1]]; len(fi.index) == len(dup.index) && fi.tag == dup.tag {
				continue
			}
		}
		out = append(out, *fi)
	}
	return out
}

// isZeroFunc is the IsZero lookup of typeFields for omitzero fields (nil: reflect's IsZero).
func isZeroFunc(t reflect.Type) func(reflect.Value) bool {
	type isZeroer interface{ IsZero() bool }
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() || v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.IsNil() || v.Interface().(isZeroer).IsZero() }
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(isZeroer).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				v2 := reflect.New(v.Type()).Elem()
				v2.Set(v)
				v = v2
			}
			return v.Addr().Interface().(isZeroer).IsZero()
		}
	}
	return nil
}

func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
			// Backslash and quote chars are reserved, but otherwise any punctuation chars
			// are allowed in a tag name.
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
