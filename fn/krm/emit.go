package krm

import (
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// emitter writes yaml.Node trees exactly as kyaml's encoder writes them (go.yaml.in/yaml/v3,
// indent 2, compact sequences, unlimited line width), for the node shapes that generated
// objects and ordinary package files have: block and flow mappings and sequences, and
// scalars with the tag and style rules of yaml.v3's encoder and emitter.
//
// Why not yaml.v3 itself: its emitter goes through an event queue that is never trimmed
// within a document (a 13 MB ResourceList queued ~1.5M events, hundreds of MB) and writes
// to its io.Writer in 128-byte pieces; it was about half of the function's time.
//
// Anything else (comments, anchors and aliases, explicit tags, folded scalars, keys that are
// not simple, sequences directly inside sequences, invalid UTF-8) makes a method return
// false; the caller then lets yaml.v3 write that part (see rlWriter). The rules ported here
// are cited by the name of the yaml.v3 function they come from; stream_test.go compares the
// two on random documents.
type emitter struct {
	buf []byte
}

// seqItem writes n as an item of a block sequence whose "-" is at column indent.
func (e *emitter) seqItem(n *yaml.Node, indent int) bool {
	e.pad(indent)
	e.buf = append(e.buf, '-')
	return e.value(n, indent, true)
}

// mapping writes the pairs of a non-empty block mapping with its keys at column indent.
// With inline, the first key continues the current line (after "- ").
func (e *emitter) mapping(n *yaml.Node, indent int, inline bool) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if i > 0 || !inline {
			e.pad(indent)
		}
		if !e.key(n.Content[i]) {
			return false
		}
		e.buf = append(e.buf, ':')
		if !e.value(n.Content[i+1], indent, false) {
			return false
		}
	}
	return true
}

// value writes n after "key:" (the key at column indent) or after "-" (inSeq, the "-" at
// column indent), up to and including the end of its last line.
func (e *emitter) value(n *yaml.Node, indent int, inSeq bool) bool {
	if !plainNode(n) {
		return false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if !e.scalar(n, scalarContext{indent: indent + 2, lead: true}) {
			return false
		}
		if e.buf[len(e.buf)-1] != '\n' { // a literal block ends its own last line
			e.buf = append(e.buf, '\n')
		}
		return true
	case yaml.MappingNode:
		if !droppableTag(n.Tag, "!!map") {
			return false
		}
		// A mapping without a pair is empty to yaml.v3 ("{}"), even with a key in it.
		if len(n.Content) < 2 || n.Style&yaml.FlowStyle != 0 {
			return e.flowLine(n)
		}
		if inSeq {
			e.buf = append(e.buf, ' ')
			return e.mapping(n, indent+2, true)
		}
		e.buf = append(e.buf, '\n')
		return e.mapping(n, indent+2, false)
	case yaml.SequenceNode:
		if !droppableTag(n.Tag, "!!seq") {
			return false
		}
		if len(n.Content) == 0 || n.Style&yaml.FlowStyle != 0 {
			return e.flowLine(n)
		}
		// A sequence directly in a sequence is indented differently ("- - x"); it does not
		// occur in Kubernetes objects.
		if inSeq {
			return false
		}
		// yaml_emitter_emit_block_sequence_item with compact_sequence_indent: the "-" of a
		// sequence that is a mapping value is at the key's column.
		e.buf = append(e.buf, '\n')
		for _, item := range n.Content {
			if !e.seqItem(item, indent) {
				return false
			}
		}
		return true
	}
	return false
}

// plainNode reports whether n carries nothing this emitter leaves to yaml.v3.
func plainNode(n *yaml.Node) bool {
	return n.HeadComment == "" && n.LineComment == "" && n.FootComment == "" &&
		n.Anchor == "" && n.Style&yaml.TaggedStyle == 0
}

// droppableTag is the tag rule of yaml.v3's (*encoder).node for collections: a tag is
// written unless it is the one the node has anyway.
func droppableTag(tag, implicit string) bool {
	return tag == "" || shortTag(tag) == implicit
}

func shortTag(tag string) string {
	if rest, ok := strings.CutPrefix(tag, "tag:yaml.org,2002:"); ok {
		return "!!" + rest
	}
	return tag
}

// key writes a mapping key at the current position (yaml_emitter_check_simple_key: a key
// on one line of at most 128 bytes; anything else is written as "? key", not here).
func (e *emitter) key(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || !plainNode(n) || len(n.Value) > 128 {
		return false
	}
	return e.scalar(n, scalarContext{simpleKey: true})
}

// flowLine writes a collection in flow style (an empty one always is: "{}", "[]") as a block
// value, and ends the line.
func (e *emitter) flowLine(n *yaml.Node) bool {
	if !e.flow(n, true) {
		return false
	}
	e.buf = append(e.buf, '\n')
	return true
}

// flow writes n inside or as a flow collection: yaml_emitter_emit_flow_mapping_key and
// _flow_sequence_item without comments or line folding. lead: a space separates n from
// what comes before (anything but "[" and "{").
func (e *emitter) flow(n *yaml.Node, lead bool) bool {
	if !plainNode(n) {
		return false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return e.scalar(n, scalarContext{flow: true, lead: lead})
	case yaml.MappingNode:
		if !droppableTag(n.Tag, "!!map") {
			return false
		}
		if lead {
			e.buf = append(e.buf, ' ')
		}
		e.buf = append(e.buf, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if k.Kind != yaml.ScalarNode || !plainNode(k) || len(k.Value) > 128 ||
				!e.scalar(k, scalarContext{flow: true, simpleKey: true, lead: i > 0}) {
				return false
			}
			e.buf = append(e.buf, ':')
			if !e.flow(n.Content[i+1], true) {
				return false
			}
		}
		e.buf = append(e.buf, '}')
		return true
	case yaml.SequenceNode:
		if !droppableTag(n.Tag, "!!seq") {
			return false
		}
		if lead {
			e.buf = append(e.buf, ' ')
		}
		e.buf = append(e.buf, '[')
		for i, item := range n.Content {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if !e.flow(item, i > 0) {
				return false
			}
		}
		e.buf = append(e.buf, ']')
		return true
	}
	return false
}

type scalarStyle int

const (
	plainStyle scalarStyle = iota
	singleQuoted
	doubleQuoted
	literal
)

// scalarContext is where a scalar is written.
type scalarContext struct {
	indent    int  // the column of a literal block's lines
	simpleKey bool // a mapping key
	flow      bool // inside a flow collection
	lead      bool // a space separates it from what comes before
}

// scalar writes a scalar with the style yaml.v3 picks, without ending the line (a literal
// block ends with its last line).
func (e *emitter) scalar(n *yaml.Node, c scalarContext) bool {
	if n.Kind != yaml.ScalarNode || !plainNode(n) {
		return false
	}
	value := n.Value
	if !utf8.ValidString(value) {
		return false
	}
	// (*encoder).node: a tag is dropped when the value reads back as that tag anyway;
	// a !!str that would read back as something else ("true", "1", "") is quoted.
	forceQuoting := false
	if n.Tag != "" {
		stag := shortTag(n.Tag)
		switch {
		case stag == "!!str" && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		case resolvedTag(value) == stag:
		case stag == "!!str":
			forceQuoting = true
		default:
			return false // an explicit tag is written: yaml.v3's job
		}
	}
	style := plainStyle
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		style = doubleQuoted
	case n.Style&yaml.SingleQuotedStyle != 0:
		style = singleQuoted
	case n.Style&yaml.LiteralStyle != 0:
		style = literal
	case n.Style&yaml.FoldedStyle != 0:
		return false
	case strings.Contains(value, "\n"):
		style = literal
	case forceQuoting:
		style = doubleQuoted
	}

	// yaml_emitter_select_scalar_style.
	a := analyzeScalar(value)
	if c.simpleKey && a.multiline {
		return false // not a simple key: written as "? key"
	}
	if style == plainStyle && (c.flow && !a.flowPlainAllowed || !c.flow && !a.blockPlainAllowed ||
		value == "" && (c.flow || c.simpleKey)) {
		style = singleQuoted
	}
	if style == singleQuoted && !a.singleQuotedAllowed {
		style = doubleQuoted
	}
	if style == literal && (!a.blockAllowed || c.flow || c.simpleKey) {
		style = doubleQuoted
	}

	lead := c.lead
	switch style {
	case plainStyle:
		if lead && value != "" {
			e.buf = append(e.buf, ' ')
		}
		e.buf = append(e.buf, value...)
	case singleQuoted:
		if a.lineBreaks {
			return false // folded over several lines by yaml.v3
		}
		if lead {
			e.buf = append(e.buf, ' ')
		}
		e.buf = append(e.buf, '\'')
		for i := 0; i < len(value); i++ {
			if value[i] == '\'' {
				e.buf = append(e.buf, '\'')
			}
			e.buf = append(e.buf, value[i])
		}
		e.buf = append(e.buf, '\'')
	case doubleQuoted:
		if lead {
			e.buf = append(e.buf, ' ')
		}
		e.doubleQuoted(value)
	case literal:
		return e.literal(value, c.indent)
	}
	return true
}

// literal is yaml_emitter_write_literal_scalar with yaml_emitter_write_block_scalar_hints.
func (e *emitter) literal(value string, indent int) bool {
	// Only "\n" line breaks, and not the keep chomping ("|+") that also marks the stream
	// open-ended: leave those to yaml.v3.
	if strings.ContainsAny(value, "\r\u0085\u2028\u2029") || strings.HasSuffix(value, "\n\n") || value == "\n" {
		return false
	}
	e.buf = append(e.buf, " |"...)
	if value[0] == ' ' || value[0] == '\n' {
		e.buf = append(e.buf, '2') // the indentation indicator: best_indent
	}
	if !strings.HasSuffix(value, "\n") {
		e.buf = append(e.buf, '-')
	}
	e.buf = append(e.buf, '\n')
	for line := range strings.Lines(value) {
		if line != "\n" {
			e.pad(indent)
			e.buf = append(e.buf, line...)
		} else {
			e.buf = append(e.buf, '\n')
		}
	}
	if !strings.HasSuffix(value, "\n") {
		e.buf = append(e.buf, '\n')
	}
	return true
}

// doubleQuoted is yaml_emitter_write_double_quoted_scalar with unicode output and no line
// folding (unlimited width).
func (e *emitter) doubleQuoted(value string) {
	const hex = "0123456789ABCDEF"
	// is_bom(value, i) looks at the start of the value, not at i: a value that begins with a
	// byte order mark has every character escaped.
	bom := strings.HasPrefix(value, "\uFEFF")
	e.buf = append(e.buf, '"')
	for i := 0; i < len(value); {
		if !bom && isPrintable(value, i) && !isBreak(value, i) && value[i] != '"' && value[i] != '\\' {
			w := width(value[i])
			e.buf = append(e.buf, value[i:i+w]...)
			i += w
			continue
		}
		r, w := utf8.DecodeRuneInString(value[i:])
		i += w
		e.buf = append(e.buf, '\\')
		switch r {
		case 0x00:
			e.buf = append(e.buf, '0')
		case 0x07:
			e.buf = append(e.buf, 'a')
		case 0x08:
			e.buf = append(e.buf, 'b')
		case 0x09:
			e.buf = append(e.buf, 't')
		case 0x0A:
			e.buf = append(e.buf, 'n')
		case 0x0b:
			e.buf = append(e.buf, 'v')
		case 0x0c:
			e.buf = append(e.buf, 'f')
		case 0x0d:
			e.buf = append(e.buf, 'r')
		case 0x1b:
			e.buf = append(e.buf, 'e')
		case 0x22:
			e.buf = append(e.buf, '"')
		case 0x5c:
			e.buf = append(e.buf, '\\')
		case 0x85:
			e.buf = append(e.buf, 'N')
		case 0xA0:
			e.buf = append(e.buf, '_')
		case 0x2028:
			e.buf = append(e.buf, 'L')
		case 0x2029:
			e.buf = append(e.buf, 'P')
		default:
			digits := 8
			switch {
			case r <= 0xFF:
				e.buf, digits = append(e.buf, 'x'), 2
			case r <= 0xFFFF:
				e.buf, digits = append(e.buf, 'u'), 4
			default:
				e.buf = append(e.buf, 'U')
			}
			for k := (digits - 1) * 4; k >= 0; k -= 4 {
				e.buf = append(e.buf, hex[(r>>uint(k))&0x0F])
			}
		}
	}
	e.buf = append(e.buf, '"')
}

func (e *emitter) pad(n int) {
	for range n {
		e.buf = append(e.buf, ' ')
	}
}

// resolvedTag is the tag yaml.v3 reads an unquoted scalar as (its resolve function). Like
// resolve, it tells most strings from their first character, and the words it knows from a
// table; a value that may be a number or a timestamp goes to yaml.v3 (through
// Node.ShortTag, which allocates and tries to parse), unless it has a character no number
// or timestamp has ("10Gi", "3.8-management").
func resolvedTag(value string) string {
	switch {
	case value == "":
		return "!!null"
	case strings.IndexByte("yYnNtTfFoO~", value[0]) >= 0:
		switch value {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "null", "Null", "NULL", "~":
			return "!!null"
		}
		return "!!str"
	case strings.IndexByte("+-0123456789.", value[0]) < 0:
		return "!!str"
	}
	for i := 0; i < len(value); i++ {
		if strings.IndexByte(numberBytes, value[i]) < 0 {
			return "!!str"
		}
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Value: value}
	return n.ShortTag()
}

// numberBytes are all the characters of the ints, floats (.inf and .nan included) and
// timestamps that yaml.v3 resolves (strconv with base prefixes and underscores, time.Parse
// with its timestamp layouts), and a few more.
const numberBytes = "0123456789abcdefABCDEFxXoOpPiInN_+-.:tTzZ "

type scalarAnalysis struct {
	multiline, lineBreaks                                                  bool
	flowPlainAllowed, blockPlainAllowed, singleQuotedAllowed, blockAllowed bool
}

// analyzeScalar is yaml_emitter_analyze_scalar.
func analyzeScalar(value string) scalarAnalysis {
	if a, ok := analyzeWord(value); ok {
		return a
	}
	return analyzeAny(value)
}

// analyzeWord is analyzeScalar's shortcut for most values (names, labels, paths and
// quantities): no spaces, breaks or indicators, where only a colon matters (it ends a plain
// scalar in flow context).
func analyzeWord(value string) (scalarAnalysis, bool) {
	// A colon at the end is followed by "whitespace" (the end) and would be a key indicator.
	if value == "" || wordByte[value[0]] != 1 || value[len(value)-1] == ':' {
		return scalarAnalysis{}, false
	}
	colon := false
	for i := 1; i < len(value); i++ {
		if wordByte[value[i]] == 0 {
			return scalarAnalysis{}, false
		}
		colon = colon || value[i] == ':'
	}
	return scalarAnalysis{flowPlainAllowed: !colon, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}, true
}

func analyzeAny(value string) scalarAnalysis {
	if value == "" {
		return scalarAnalysis{blockPlainAllowed: true, singleQuotedAllowed: true}
	}
	var (
		blockIndicators, flowIndicators                          bool
		lineBreaks, specialCharacters, tabCharacters             bool
		leadingSpace, leadingBreak, trailingSpace, trailingBreak bool
		breakSpace, spaceBreak, previousSpace, previousBreak     bool
	)
	if strings.HasPrefix(value, "---") || strings.HasPrefix(value, "...") {
		blockIndicators, flowIndicators = true, true
	}
	precededByWhitespace := true
	for i, w := 0, 0; i < len(value); i += w {
		w = width(value[i])
		followedByWhitespace := i+w >= len(value) || isBlank(value, i+w)
		if i == 0 {
			switch value[i] {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				flowIndicators, blockIndicators = true, true
			case '?', ':':
				flowIndicators = true
				if followedByWhitespace {
					blockIndicators = true
				}
			case '-':
				if followedByWhitespace {
					flowIndicators, blockIndicators = true, true
				}
			}
		} else {
			switch value[i] {
			case ',', '?', '[', ']', '{', '}':
				flowIndicators = true
			case ':':
				flowIndicators = true
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					flowIndicators, blockIndicators = true, true
				}
			}
		}
		if value[i] == '\t' {
			tabCharacters = true
		} else if !isPrintable(value, i) {
			specialCharacters = true
		}
		switch {
		case value[i] == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(value) {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace, previousBreak = true, false
		case isBreak(value, i):
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(value) {
				trailingBreak = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace, previousBreak = false, true
		default:
			previousSpace, previousBreak = false, false
		}
		precededByWhitespace = isBlankz(value, i)
	}
	a := scalarAnalysis{multiline: lineBreaks, lineBreaks: lineBreaks,
		flowPlainAllowed: true, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks ||
		breakSpace || spaceBreak || tabCharacters || specialCharacters {
		a.flowPlainAllowed, a.blockPlainAllowed = false, false
	}
	if trailingSpace || spaceBreak || specialCharacters {
		a.blockAllowed = false
	}
	if breakSpace || spaceBreak || tabCharacters || specialCharacters {
		a.singleQuotedAllowed = false
	}
	if flowIndicators {
		a.flowPlainAllowed = false
	}
	if blockIndicators {
		a.blockPlainAllowed = false
	}
	return a
}

// wordByte is 1 for letters and digits, 2 for the other ASCII bytes that are no indicator
// anywhere but at the start of a scalar, 0 for the rest.
var wordByte = func() (t [256]byte) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] = 1
		case strings.ContainsRune("./_-=+()$^~:;<*&!@%'\"`|>", rune(c)):
			t[c] = 2
		}
	}
	return t
}()

// The character classes of yaml.v3 (yamlprivateh.go), on valid UTF-8.

func width(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 0
}

func isPrintable(b string, i int) bool {
	return b[i] == 0x0A ||
		b[i] >= 0x20 && b[i] <= 0x7E ||
		b[i] == 0xC2 && b[i+1] >= 0xA0 ||
		b[i] > 0xC2 && b[i] < 0xED ||
		b[i] == 0xED && b[i+1] < 0xA0 ||
		b[i] == 0xEE ||
		b[i] == 0xEF && !(b[i+1] == 0xBB && b[i+2] == 0xBF) && !(b[i+1] == 0xBF && (b[i+2] == 0xBE || b[i+2] == 0xBF))
}

func isBlank(b string, i int) bool {
	return b[i] == ' ' || b[i] == '\t'
}

func isBreak(b string, i int) bool {
	return b[i] == '\r' || b[i] == '\n' ||
		b[i] == 0xC2 && b[i+1] == 0x85 ||
		b[i] == 0xE2 && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9)
}

func isBlankz(b string, i int) bool {
	return isBlank(b, i) || isBreak(b, i) || b[i] == 0
}
