package wxproto

import (
	"maps"
	"testing"
)

// fieldsOf decodes body with decode, keeping every field by name.
func fieldsOf(body []byte, decode func([]byte, func(string) *string) error) (map[string]string, error) {
	got := map[string]*string{}
	err := decode(body, func(name string) *string {
		if name == "Skip" {
			return nil
		}
		if got[name] == nil {
			got[name] = new(string)
		}
		return got[name]
	})
	out := map[string]string{}
	for k, v := range got {
		out[k] = *v
	}
	return out, err
}

func scanOnly(body []byte, lookup func(string) *string) error {
	if !scanFlat(body, lookup) {
		return ErrMalformedXML
	}
	return nil
}

func TestScanFlat(t *testing.T) {
	tests := []struct {
		name, body string
		scans      bool // false: left to encoding/xml
	}{
		{"text message", sampleText, true},
		{"plain text fields", "<xml><A>1</A>\n\t<B>two words</B></xml>\n", true},
		{"empty field", "<xml><A></A><B><![CDATA[]]></B></xml>", true},
		{"unknown field skipped, even twice", "<xml><Skip>1</Skip><Skip>2</Skip><A>x</A></xml>", true},
		{"markup inside CDATA", "<xml><A><![CDATA[<b>&amp;</b>]]></A></xml>", true},
		{"declaration", `<?xml version="1.0"?><xml><A>1</A></xml>`, false},
		{"attribute", `<xml><A k="v">1</A></xml>`, false},
		{"entity", "<xml><A>a&amp;b</A></xml>", false},
		{"carriage return", "<xml><A>a\r\nb</A></xml>", false},
		{"nested element", "<xml><A><B>1</B></A></xml>", false},
		{"two CDATA sections", "<xml><A><![CDATA[a]]]]><![CDATA[>b]]></A></xml>", false},
		{"duplicate field", "<xml><A>1</A><A>2</A></xml>", false},
		{"mismatched end", "<xml><A>1</B></xml>", false},
		{"unclosed root", "<xml><A>1</A>", false},
		{"text after the root", "<xml><A>1</A></xml>x", false},
		{"comment", "<xml><!-- c --><A>1</A></xml>", false},
		{"invalid UTF-8", "<xml><A>\xff</A></xml>", false},
		{"control character", "<xml><A>\x01</A></xml>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fieldsOf([]byte(tt.body), scanOnly)
			if (err == nil) != tt.scans {
				t.Fatalf("scanFlat = %v, want %v", err == nil, tt.scans)
			}
			if !tt.scans {
				for name, v := range got {
					if v != "" {
						t.Errorf("scanFlat stored %s=%q before giving up", name, v)
					}
				}
				return
			}
			want, err := fieldsOf([]byte(tt.body), decodeXML)
			if err != nil || !maps.Equal(got, want) {
				t.Errorf("scanFlat %v, encoding/xml %v (%v)", got, want, err)
			}
		})
	}
}

// FuzzScanFlat: wherever scanFlat decodes a body, encoding/xml decodes it
// too, to the same fields.
func FuzzScanFlat(f *testing.F) {
	for _, s := range []string{sampleText, "<xml><A>1</A>\n<B><![CDATA[x]]></B></xml>", "<xml><A>a]b</A></xml>", "<xml><A>\xef\xbf\xbe</A></xml>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := fieldsOf(body, scanOnly)
		if err != nil {
			return
		}
		want, err := fieldsOf(body, decodeXML)
		if err != nil {
			t.Fatalf("scanFlat decoded %q to %v; encoding/xml refuses it: %v", body, got, err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("%q: scanFlat %v, encoding/xml %v", body, got, want)
		}
	})
}
