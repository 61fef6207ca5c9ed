package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestReadmeConfigurationTable: the README's table is the rows of
// config_table.go, so a setting is documented where it is defined.
func TestReadmeConfigurationTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := markdownTable(); !strings.Contains(string(readme), want) {
		t.Errorf("README.md's configuration table differs from config_table.go; replace it with:\n\n%s", want)
	}
}

// TestEverySettingHasARow: every field the YAML file can set is a row of
// the table (loaded from its variable, named in messages, documented),
// and every row points at a distinct field.
func TestEverySettingHasARow(t *testing.T) {
	var c Config
	rows := map[string]bool{}
	fields := map[any]string{}
	for _, s := range settings {
		if rows[s.yaml] {
			t.Errorf("two rows for %s", s.yaml)
		}
		rows[s.yaml] = true
		if s.field == nil {
			continue
		}
		p := s.field(&c)
		if other, ok := fields[p]; ok {
			t.Errorf("%s and %s point at one field", s.yaml, other)
		}
		fields[p] = s.yaml
		if err := set(p, s.def); s.def != "" && err != nil {
			t.Errorf("%s: default %q: %v", s.yaml, s.def, err)
		}
	}
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			switch {
			case f.Anonymous:
				walk(f.Type)
			case tag == "" || tag == "-":
			case !rows[tag]:
				t.Errorf("field %s (yaml %q) has no row in config_table.go", f.Name, tag)
			}
		}
	}
	walk(reflect.TypeOf(c))
}

// TestEnvironmentErrorsNameTheVariable: a value that does not parse names
// its variable and what it wants, for every kind of field.
func TestEnvironmentErrorsNameTheVariable(t *testing.T) {
	for _, tt := range []struct{ env, want string }{
		{"FRONTDOOR_MAX_BODY", "not a whole number"},
		{"FRONTDOOR_ADDRESS_TICKETS", "not a whole number"},
		{"FRONTDOOR_ASK_BELOW", "not a number"},
		{"FRONTDOOR_SESSION_TTL", "not a duration"},
		{"FRONTDOOR_REDIS_AUTOPIPELINE", "want true or false"},
	} {
		t.Run(tt.env, func(t *testing.T) {
			_, err := LoadConfig("", envOf(map[string]string{tt.env: "lots"}))
			if err == nil || !strings.Contains(err.Error(), tt.env+`="lots"`) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadConfig = %v, want %s named with %q", err, tt.env, tt.want)
			}
		})
	}
}
