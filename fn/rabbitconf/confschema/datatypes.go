package confschema

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// What cuttlefish accepts for its datatypes (cuttlefish_datatypes:from_string, checked
// against the cuttlefish of the 3.10.8 and 4.0.5 packages): flags are on/off only, floats
// need a decimal point ("1" and "1e3" are refused), durations need a unit, byte sizes take
// KB/MB/GB (any case) and no "G" or "MiB", an ip is address:port with a literal address.
var (
	integerPattern  = regexp.MustCompile(`^[+-]?[0-9]+$`)
	floatPattern    = regexp.MustCompile(`^[+-]?[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?$`)
	durationPattern = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(f|w|d|h|ms|m|s))+$`)
	bytesizePattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([kKmMgG][bB])?$`)
	boundPattern    = regexp.MustCompile(`\{(min|max|gt|lt),(-?[0-9.]+)\}`)
)

// checkDatatype returns "" when value is valid for one datatype of keys.tsv (kind or
// kind:argument), else a description of what is valid.
func checkDatatype(dt, value string) string {
	kind, arg, _ := strings.Cut(dt, ":")
	switch kind {
	case "integer":
		return checkNumber(value, integerPattern, arg, "an integer")
	case "float":
		return checkNumber(value, floatPattern, arg, "a decimal number such as 0.4")
	case "byte":
		return checkNumber(value, integerPattern, "[{min,0},{max,255}]", "an integer")
	case "boolean":
		return oneOf(value, "true", "false")
	case "flag":
		if arg == "" {
			arg = "on,off"
		}
		return oneOf(value, strings.Split(arg, ",")...)
	case "enum":
		return oneOf(value, strings.Split(arg, ",")...)
	case "atom":
		if arg != "" { // an extended datatype: this one literal value
			return oneOf(value, arg)
		}
	case "ip":
		return checkIP(value)
	case "duration":
		if !durationPattern.MatchString(value) {
			return "a duration with a unit, e.g. 30s, 5m, 1h30m or 500ms"
		}
	case "bytesize":
		if !bytesizePattern.MatchString(value) {
			return "a size in bytes, or with KB, MB or GB, e.g. 512MB"
		}
	}
	return ""
}

func oneOf(value string, valid ...string) string {
	for _, v := range valid {
		if value == v {
			return ""
		}
	}
	if len(valid) == 1 {
		return valid[0]
	}
	return "one of " + strings.Join(valid, ", ")
}

// checkNumber checks the syntax, then bounds written as cuttlefish writes them:
// positive, non_negative, or [{min,1},{max,65535}] and [{gt,0},{lt,1}].
func checkNumber(value string, syntax *regexp.Regexp, bounds, what string) string {
	if !syntax.MatchString(value) {
		return what
	}
	n, _ := strconv.ParseFloat(value, 64)
	switch bounds {
	case "positive":
		if n <= 0 {
			return "a positive integer"
		}
	case "non_negative":
		if n < 0 {
			return "an integer of 0 or more"
		}
	}
	for _, b := range boundPattern.FindAllStringSubmatch(bounds, -1) {
		limit, _ := strconv.ParseFloat(b[2], 64)
		if out := map[string]bool{"min": n < limit, "max": n > limit, "gt": n <= limit, "lt": n >= limit}[b[1]]; out {
			return fmt.Sprintf("%s with %s", what, describeBounds(bounds))
		}
	}
	return ""
}

func describeBounds(bounds string) string {
	words := map[string]string{"min": ">=", "max": "<=", "gt": ">", "lt": "<"}
	var parts []string
	for _, b := range boundPattern.FindAllStringSubmatch(bounds, -1) {
		parts = append(parts, "value "+words[b[1]]+" "+b[2])
	}
	return strings.Join(parts, " and ")
}

// checkIP accepts address:port with a literal IPv4 or IPv6 address, as cuttlefish's ip
// datatype does (a host name is refused).
func checkIP(value string) string {
	const want = "an address:port such as 0.0.0.0:5672 or ::1:5672 (a literal IP address)"
	i := strings.LastIndex(value, ":")
	if i < 0 {
		return want
	}
	port, err := strconv.Atoi(value[i+1:])
	if err != nil || port < 0 || net.ParseIP(strings.Trim(value[:i], "[]")) == nil {
		return want
	}
	return ""
}
