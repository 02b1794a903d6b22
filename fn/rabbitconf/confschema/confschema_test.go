package confschema

import (
	"slices"
	"testing"
)

func TestSeriesCovered(t *testing.T) {
	want := []string{"3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "4.0", "4.1", "4.2", "4.3"}
	if got := Series(); !slices.Equal(got, want) {
		t.Fatalf("Series() = %v, want %v", got, want)
	}
	for _, s := range want {
		schema, ok := For(s)
		if !ok || len(schema.Keys()) < 300 {
			t.Errorf("series %s: %d keys, want hundreds", s, len(schema.Keys()))
		}
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		series, key, mapping string
	}{
		{"4.2", "listeners.tcp.default", "listeners.tcp.$name"},
		{"4.2", "listeners.tcp", "listeners.tcp"},
		{"3.8", "cluster_formation.classic_config.nodes.1", "cluster_formation.classic_config.nodes.$node"},
		{"4.3", "log.connection.level", "log.connection.level"},
		{"4.2", "channel_max", "channel_max"}, // an alias of max_channels_per_connection
		{"3.13", "mqtt.vhost", "mqtt.vhost"},
		{"4.0", "amqp1_0.default_user", ""}, // the plugin became part of the core in 4.0
		{"4.2", "listners.tcp.default", ""},
	} {
		s, _ := For(tc.series)
		m, ok := s.Lookup(tc.key)
		if ok != (tc.mapping != "") || m.Key != tc.mapping {
			t.Errorf("%s: Lookup(%q) = %q, %v; want %q", tc.series, tc.key, m.Key, ok, tc.mapping)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		datatype, value string
		ok              bool
	}{
		{"integer", "2047", true}, {"integer", "+5", true}, {"integer", "2k", false},
		{"integer:positive", "0", false}, {"integer:non_negative", "0", true}, {"integer:non_negative", "-1", false},
		{"integer:[{min,1},{max,65535}]", "65535", true}, {"integer:[{min,1},{max,65535}]", "0", false},
		{"float", "0.4", true}, {"float", "1", false}, {"float", "1e3", false},
		{"float:[{gt,0},{lt,1}]", "1.0", false}, {"float:[{gt,0},{lt,1}]", "0.5", true},
		{"byte", "255", true}, {"byte", "256", false},
		{"boolean", "true", true}, {"boolean", "yes", false},
		{"flag", "on", true}, {"flag", "true", false},
		{"enum:debug,info", "info", true}, {"enum:debug,info", "INFO", false},
		{"integer|ip", "5672", true}, {"integer|ip", "0.0.0.0:5672", true}, {"integer|ip", "::1:5672", true}, {"integer|ip", "localhost:5672", false},
		{"atom:infinity|integer", "infinity", true}, {"atom:infinity|integer", "forever", false},
		{"duration:ms", "1h30m", true}, {"duration:ms", "1000", false},
		{"bytesize", "1.5GB", true}, {"bytesize", "512mb", true}, {"bytesize", "1G", false},
		{"string", "anything at all", true}, {"list:atom", "a,b", true},
	} {
		got := Mapping{Key: "k", Datatype: tc.datatype}.Check(tc.value)
		if (got == "") != tc.ok {
			t.Errorf("%s %q: Check = %q, want ok %v", tc.datatype, tc.value, got, tc.ok)
		}
	}
}

func TestInstantiate(t *testing.T) {
	if got := Instantiate("listeners.tcp.$name", "listners.tcp.default"); got != "listeners.tcp.default" {
		t.Errorf("Instantiate = %q", got)
	}
}
