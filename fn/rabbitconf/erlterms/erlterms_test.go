package erlterms

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	text := `% tuning
[
 {rabbit, [{credit_flow_default_credit, {400, 200}}, {'quoted_key', "a ] string"}, {c, $]}]},
 {rabbitmq_shovel, [{shovels, [{s, [{source, [{uris, ["amqp://"]}]}]}]}]},
 {kernel, []}
].
`
	cfg, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range cfg.Apps {
		got = append(got, a.Name+":"+strings.Join(a.Keys, ",")+":"+text[a.ListStart:a.ListStart+1]+text[a.ListEnd:a.ListEnd+1])
	}
	want := "rabbit:credit_flow_default_credit,quoted_key,c:[] rabbitmq_shovel:shovels:[] kernel::[]"
	if strings.Join(got, " ") != want {
		t.Errorf("apps = %q, want %q", strings.Join(got, " "), want)
	}
	if text[cfg.End] != ']' {
		t.Errorf("End = %d", cfg.End)
	}
}

func TestParseErrors(t *testing.T) {
	for text, want := range map[string]string{
		`[{rabbit, []}]`:            "must end with a dot",
		`[{rabbit, [}].`:            "line 1: } closes the [ opened on line 1",
		"[{rabbit,\n [{a, \"x}]}].": "line 2: the \" opened here is never closed",
		`{rabbit, []}.`:             "must start with [",
		`[{rabbit, []}]. [].`:       "text after the final dot",
		"[{rabbit, [\n":             "line 1: [ is never closed",
		`[{a, <<"x">}].`:            "} closes the < opened",
	} {
		_, err := Parse(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", text, err, want)
		}
	}
}

// Parse never panics, and what it accepts has its offsets inside the text.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{`[{rabbit, [{a, "x]"}, {b, $]}, {c, <<"y">>}]}].`, "[\n% c\n].", `['q\'', $\x{41}].`, `[{a, [}].`, `$`, `"\`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := Parse(text)
		if err != nil {
			return
		}
		for _, a := range cfg.Apps {
			if a.ListEnd > len(text) || a.ListStart > a.ListEnd && a.ListEnd != 0 {
				t.Fatalf("app %+v outside the text", a)
			}
		}
		if text[cfg.Start] != '[' || text[cfg.End] != ']' {
			t.Fatalf("Start %d End %d do not point at the list", cfg.Start, cfg.End)
		}
	})
}
