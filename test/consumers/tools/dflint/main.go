// dflint checks the production Dockerfile offline with BuildKit's own parser and linter (the rules
// `docker build --check` applies), plus the project's rules for a KRM function image:
//   - no `# syntax=` directive (it makes BuildKit pull a frontend image: fails offline);
//   - every FROM is `scratch` or an earlier stage (the image builds without pulling anything);
//   - the final stage sets a non-root USER;
//   - the final stage has an exec-form ENTRYPOINT (kustomize/kpt pass no arguments, run no shell).
//
// Usage: dflint Dockerfile
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dflint Dockerfile")
		os.Exit(2)
	}
	problems := check(os.Args[1])
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "%s: %s\n", os.Args[1], p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("%s: OK (BuildKit parser + linter, project rules)\n", os.Args[1])
}

func check(path string) []string {
	dt, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if syntax, _, _, ok := parser.DetectSyntax(dt); ok {
		problems = append(problems, fmt.Sprintf("syntax directive %q makes BuildKit pull a frontend image (fails offline)", syntax))
	}
	res, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return append(problems, "parse error: "+err.Error())
	}
	for _, w := range res.Warnings {
		problems = append(problems, fmt.Sprintf("parser warning: %s", w.Short))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		problems = append(problems, fmt.Sprintf("line %d: lint %s: %s", line, rule, msg))
	}})
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil {
		return append(problems, "instruction error: "+err.Error())
	}
	if len(stages) == 0 {
		return append(problems, "no build stage")
	}
	seen := map[string]bool{}
	for _, s := range stages {
		base := strings.ToLower(s.BaseName)
		if base != "scratch" && !seen[base] {
			problems = append(problems, fmt.Sprintf("stage %q: FROM %s needs a base image pull; only scratch or earlier stages build offline", s.Name, s.BaseName))
		}
		if s.Name != "" {
			seen[strings.ToLower(s.Name)] = true
		}
	}
	final := stages[len(stages)-1]
	user, entry := "", (*instructions.EntrypointCommand)(nil)
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.EntrypointCommand:
			entry = c
		}
	}
	switch u := strings.SplitN(user, ":", 2)[0]; u {
	case "":
		problems = append(problems, "final stage sets no USER (the image would run as root)")
	case "0", "root":
		problems = append(problems, "final stage runs as root (USER "+user+")")
	}
	if entry == nil {
		problems = append(problems, "final stage has no ENTRYPOINT")
	} else if entry.PrependShell {
		problems = append(problems, "ENTRYPOINT is shell form; the image has no shell: use the JSON (exec) form")
	}
	return problems
}
