// Package erlterms reads advanced.config offline, without Erlang: enough of Erlang's term
// syntax (strings, quoted atoms, character literals, comments, brackets, binaries) to find
// the file's structure, a list of {Application, [{Key, Value}, ...]} ending with a dot, and to
// report the mistakes that stop a node at boot (unbalanced brackets, an unterminated string,
// a missing dot). Values are not evaluated.
package erlterms

import (
	"fmt"
	"strings"
)

// App is one {Application, [...]} entry of the top-level list.
type App struct {
	Name string
	// ListStart and ListEnd are the byte offsets of its settings list's [ and ].
	ListStart, ListEnd int
	// Keys are the first atoms of the list's {Key, Value} tuples, in order.
	Keys []string
}

// Config is the structure of an advanced.config text.
type Config struct {
	Apps []App
	// Start and End are the offsets of the top-level list's [ and ].
	Start, End int
}

type open struct {
	char byte
	at   int
}

// scanner walks the text once; stack holds the open brackets.
type scanner struct {
	text  string
	i     int
	stack []open
	cfg   Config
	// firstAtom is set right after a { opens: the next atom is the tuple's first element.
	firstAtom bool
}

// Parse reads text; the error names the line of the problem.
func Parse(text string) (Config, error) {
	s := &scanner{text: text}
	if err := s.scan(); err != nil {
		return Config{}, err
	}
	return s.cfg, nil
}

func (s *scanner) scan() error {
	done := false
	for s.skipSpace(); s.i < len(s.text); s.skipSpace() {
		if done {
			return s.errorf(s.i, "text after the final dot: advanced.config holds one list")
		}
		c := s.text[s.i]
		switch {
		case len(s.stack) == 0 && c == '.' && s.cfg.End > 0:
			done = true
			s.i++
		case len(s.stack) == 0 && c != '[':
			return s.errorf(s.i, "advanced.config is one list of {Application, [...]} terms: it must start with [")
		case len(s.stack) == 0 && s.cfg.End > 0:
			return s.errorf(s.i, "the list closed before this [: end it with ].")
		default:
			if err := s.token(c); err != nil {
				return err
			}
		}
	}
	switch {
	case len(s.stack) > 0:
		o := s.stack[len(s.stack)-1]
		return s.errorf(o.at, "%c is never closed", o.char)
	case !done:
		return fmt.Errorf("the list must end with a dot: ].")
	}
	return nil
}

// token reads one token starting with c.
func (s *scanner) token(c byte) error {
	switch {
	case c == '"' || c == '\'':
		return s.quoted(c)
	case c == '$':
		s.charLiteral()
	case c == '<' && strings.HasPrefix(s.text[s.i:], "<<"):
		s.push('<')
		s.i += 2
	case c == '>' && strings.HasPrefix(s.text[s.i:], ">>"):
		return s.pop('<', 2)
	case strings.IndexByte("([{", c) >= 0:
		s.push(c)
		s.i++
	case strings.IndexByte(")]}", c) >= 0:
		return s.pop(map[byte]byte{')': '(', ']': '[', '}': '{'}[c], 1)
	case c >= 'a' && c <= 'z':
		s.atom()
	default:
		s.firstAtom = false
		s.i++
	}
	return nil
}

func (s *scanner) push(c byte) {
	if len(s.stack) == 0 {
		s.cfg.Start = s.i
	}
	if c == '[' && len(s.stack) == 2 && len(s.cfg.Apps) > 0 && s.stack[1].char == '{' {
		if a := &s.cfg.Apps[len(s.cfg.Apps)-1]; a.ListStart == 0 {
			a.ListStart = s.i
		}
	}
	s.stack = append(s.stack, open{c, s.i})
	s.firstAtom = c == '{'
	if c == '{' && len(s.stack) == 2 && s.stack[0].char == '[' {
		s.cfg.Apps = append(s.cfg.Apps, App{})
	}
}

// pop closes the innermost bracket, which must be want; width is the closing token's length.
func (s *scanner) pop(want byte, width int) error {
	closing := s.text[s.i : s.i+width]
	if len(s.stack) == 0 {
		return s.errorf(s.i, "%s closes nothing", closing)
	}
	top := s.stack[len(s.stack)-1]
	if top.char != want {
		return s.errorf(s.i, "%s closes the %c opened on line %d", closing, top.char, s.line(top.at))
	}
	s.stack = s.stack[:len(s.stack)-1]
	switch {
	case len(s.stack) == 0:
		s.cfg.End = s.i
	case want == '[' && len(s.stack) == 2 && len(s.cfg.Apps) > 0 && s.cfg.Apps[len(s.cfg.Apps)-1].ListStart == top.at:
		s.cfg.Apps[len(s.cfg.Apps)-1].ListEnd = s.i
	}
	s.i += width
	s.firstAtom = false
	return nil
}

// atom reads an unquoted atom (or a variable-like word) and files it as an application or
// key name when it is the first element of a tuple at that depth.
func (s *scanner) atom() {
	start := s.i
	for s.i < len(s.text) && isAtomChar(s.text[s.i]) {
		s.i++
	}
	s.name(s.text[start:s.i])
}

func (s *scanner) name(n string) {
	if s.firstAtom && len(s.cfg.Apps) > 0 {
		a := &s.cfg.Apps[len(s.cfg.Apps)-1]
		switch {
		case len(s.stack) == 2:
			a.Name = n
		case len(s.stack) == 4 && a.ListStart > 0 && a.ListEnd == 0:
			a.Keys = append(a.Keys, n)
		}
	}
	s.firstAtom = false
}

func isAtomChar(c byte) bool {
	return c == '_' || c == '@' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// quoted reads a "string" or a 'quoted atom', honouring backslash escapes.
func (s *scanner) quoted(q byte) error {
	start := s.i
	for s.i++; s.i < len(s.text); s.i++ {
		switch s.text[s.i] {
		case '\\':
			s.i++
		case q:
			s.i++
			if q == '\'' {
				s.name(s.text[start+1 : s.i-1])
			} else {
				s.firstAtom = false
			}
			return nil
		}
	}
	return s.errorf(start, "the %c opened here is never closed", q)
}

// charLiteral skips $c, $\n, $\x{..} and the like: $[ or $" are characters, not brackets.
func (s *scanner) charLiteral() {
	s.i++ // $
	if s.i < len(s.text) && s.text[s.i] == '\\' {
		s.i++
		if strings.HasPrefix(s.text[s.i:], "x{") {
			if end := strings.IndexByte(s.text[s.i:], '}'); end > 0 {
				s.i += end
			}
		}
	}
	s.i++
	s.firstAtom = false
}

// Blank reports whether text holds only white space and comments.
func Blank(text string) bool {
	s := &scanner{text: text}
	s.skipSpace()
	return s.i == len(text)
}

// skipSpace skips white space and % comments.
func (s *scanner) skipSpace() {
	for s.i < len(s.text) {
		switch c := s.text[s.i]; {
		case c == '%':
			for s.i < len(s.text) && s.text[s.i] != '\n' {
				s.i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) line(offset int) int { return strings.Count(s.text[:offset], "\n") + 1 }

func (s *scanner) errorf(offset int, format string, args ...any) error {
	return fmt.Errorf("line %d: %s", s.line(offset), fmt.Sprintf(format, args...))
}
