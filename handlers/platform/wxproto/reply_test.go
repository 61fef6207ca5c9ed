package wxproto

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

func TestTextReplyFormat(t *testing.T) {
	got := string(TextReply("oUser", "gh_acct", 1348831860, "你好"))
	want := `<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_acct]]></FromUserName>` +
		`<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>`
	if got != want {
		t.Fatalf("TextReply =\n%s\nwant\n%s", got, want)
	}
}

func TestTextReplyContent(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string // what a parser reads back
	}{
		{"plain", "hello", "hello"},
		{"empty", "", ""},
		{"markup", `<b>&amp;</b> "q" 'a'`, `<b>&amp;</b> "q" 'a'`},
		{"CDATA terminator", "a]]>b", "a]]>b"},
		{"terminator at both ends", "]]>x]]>", "]]>x]]>"},
		{"extra brackets", "]]]>>", "]]]>>"},
		{"repeated terminators", "]]>]]>]]>", "]]>]]>]]>"},
		{"nested CDATA opener", "<![CDATA[x]]>", "<![CDATA[x]]>"},
		{"lone brackets", "]] ] >", "]] ] >"},
		{"newlines and tabs", "a\n\tb", "a\n\tb"},
		{"emoji and CJK", "中文😀", "中文😀"},
		{"control characters dropped", "a\x00b\x01c\x1fd", "abcd"},
		{"invalid UTF-8 replaced", "a\xffb", "a\uFFFDb"},
		{"noncharacters dropped", "a\uFFFEb\uFFFFc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := TextReply("to", "from", 7, tt.content)
			m, err := ParseMessage(reply)
			if err != nil {
				t.Fatalf("ParseMessage(reply): %v\n%s", err, reply)
			}
			want := Message{ToUserName: "to", FromUserName: "from", CreateTime: 7, MsgType: "text", Content: tt.want}
			if m != want {
				t.Fatalf("parsed reply = %+v, want %+v", m, want)
			}
			// An independent parser must agree.
			var v struct {
				Content string `xml:"Content"`
			}
			if err := xml.Unmarshal(reply, &v); err != nil || v.Content != tt.want {
				t.Fatalf("xml.Unmarshal = %q, %v; want %q", v.Content, err, tt.want)
			}
		})
	}
}

func TestEncryptedReply(t *testing.T) {
	c := mustCipher(t, weComAESKey, weComCorpID)
	plain := TextReply("zhangsan", weComCorpID, 1409659589, "回复]]>内容")

	reply, err := EncryptedReply(c, weComToken, weComTimestamp, weComNonce, plain)
	if err != nil {
		t.Fatalf("EncryptedReply: %v", err)
	}
	var v struct {
		XMLName      xml.Name `xml:"xml"`
		Encrypt      string
		MsgSignature string
		TimeStamp    string
		Nonce        string
	}
	if err := xml.Unmarshal(reply, &v); err != nil {
		t.Fatalf("reply is not XML: %v\n%s", err, reply)
	}
	if v.TimeStamp != weComTimestamp || v.Nonce != weComNonce {
		t.Fatalf("TimeStamp, Nonce = %q, %q", v.TimeStamp, v.Nonce)
	}
	if !Verify(v.MsgSignature, weComToken, v.TimeStamp, v.Nonce, v.Encrypt) {
		t.Fatal("MsgSignature does not verify")
	}
	env, err := ParseEnvelope(reply)
	if err != nil || env.Encrypt != v.Encrypt {
		t.Fatalf("ParseEnvelope(reply) = %+v, %v", env, err)
	}
	got, err := c.Decrypt(v.Encrypt)
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if string(got) != string(plain) {
		t.Fatalf("decrypted reply = %s, want %s", got, plain)
	}
}

func TestEncryptedReplyErrors(t *testing.T) {
	c := mustCipher(t, weComAESKey, weComCorpID)
	tests := []struct {
		name      string
		c         *Cipher
		timestamp string
		want      error
	}{
		{"markup in timestamp", c, "1</TimeStamp>", ErrBadTimestamp},
		{"empty timestamp", c, "", ErrBadTimestamp},
		{"nil cipher", nil, weComTimestamp, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply, err := EncryptedReply(tt.c, weComToken, tt.timestamp, weComNonce, []byte("<xml/>"))
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if reply != nil {
				t.Fatalf("returned %s alongside an error", reply)
			}
		})
	}
}

func TestEncryptedReplyEscapesNonce(t *testing.T) {
	c := mustCipher(t, weComAESKey, weComCorpID)
	nonce := "a]]><Nonce>b"
	reply, err := EncryptedReply(c, weComToken, weComTimestamp, nonce, []byte("<xml/>"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Nonce string }
	if err := xml.Unmarshal(reply, &v); err != nil || v.Nonce != nonce {
		t.Fatalf("Nonce = %q, %v; want %q", v.Nonce, err, nonce)
	}
}

func BenchmarkEncryptedReply(b *testing.B) {
	c := mustCipher(b, weComAESKey, weComCorpID)
	plain := TextReply("oUser", "gh_acct", 1348831860, strings.Repeat("回复内容", 50))
	b.ReportAllocs()
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := EncryptedReply(c, weComToken, weComTimestamp, weComNonce, plain); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzCDATAVerbatim checks the shortcut of writeCDATA: a string it writes
// as it is comes out of the rune-by-rune path unchanged too.
func FuzzCDATAVerbatim(f *testing.F) {
	for _, s := range []string{"", "您好,工单号 YH20261203-0001。\n", "a]]>b", "\x00", "\t\r\n", "\uFFFE", "\xff", "]]", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !cdataVerbatim(s) {
			return
		}
		var b bytes.Buffer
		writeCDATAContent(&b, s)
		if b.String() != s {
			t.Errorf("%q is written verbatim but the rune-by-rune path makes %q", s, b.String())
		}
	})
}

func TestCDATAVerbatim(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"plain text", "已受理您的投诉,工单号 YH20261203-0001。\n随时回复“进度”查询。", true},
		{"empty", "", true},
		{"end marker", "a]]>b", false},
		{"control character", "a\x01b", false},
		{"invalid UTF-8", "a\xffb", false},
		{"non-character", "a\uFFFEb", false},
		{"emoji", "好😀", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cdataVerbatim(tt.s); got != tt.want {
				t.Errorf("cdataVerbatim(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}
