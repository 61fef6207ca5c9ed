package wxproto

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// Sample bodies follow the shapes in the platform documentation.
const sampleText = `<xml>
  <ToUserName><![CDATA[gh_toUser]]></ToUserName>
  <FromUserName><![CDATA[oFromUser]]></FromUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[text]]></MsgType>
  <Content><![CDATA[this is a test]]></Content>
  <MsgId>1234567890123456</MsgId>
  <MsgDataId><![CDATA[2247483650_1]]></MsgDataId>
  <Idx><![CDATA[1]]></Idx>
</xml>`

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Message
	}{
		{
			name: "text",
			body: sampleText,
			want: Message{ToUserName: "gh_toUser", FromUserName: "oFromUser", CreateTime: 1348831860,
				MsgType: "text", Content: "this is a test", MsgId: "1234567890123456", MsgDataId: "2247483650_1", Idx: "1"},
		},
		{
			name: "voice with recognition",
			body: `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>` +
				`<CreateTime>1357290913</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId>` +
				`<Format><![CDATA[amr]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>1234567890123456</MsgId></xml>`,
			want: Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1357290913, MsgType: "voice",
				MediaId: "media_id", Format: "amr", Recognition: "腾讯微信团队", MsgId: "1234567890123456"},
		},
		{
			name: "subscribe event",
			body: `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName>` +
				`<CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`,
			want: Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: "event", Event: "subscribe"},
		},
		{
			name: "subscribe via QR code",
			body: `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName>` +
				`<CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>` +
				`<EventKey><![CDATA[qrscene_123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>`,
			want: Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: "event",
				Event: "subscribe", EventKey: "qrscene_123123", Ticket: "TICKET"},
		},
		{
			name: "menu CLICK event",
			body: `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName>` +
				`<CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>` +
				`<EventKey><![CDATA[EVENTKEY]]></EventKey></xml>`,
			want: Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: "event",
				Event: "CLICK", EventKey: "EVENTKEY"},
		},
		{
			name: "image",
			body: `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>` +
				`<CreateTime>1348831860</CreateTime><MsgType><![CDATA[image]]></MsgType>` +
				`<PicUrl><![CDATA[http://mmbiz.qpic.cn/x?a=1&b=2]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId>` +
				`<MsgId>1234567890123456</MsgId></xml>`,
			want: Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1348831860, MsgType: "image",
				PicUrl: "http://mmbiz.qpic.cn/x?a=1&b=2", MediaId: "media_id", MsgId: "1234567890123456"},
		},
		{
			name: "location",
			body: `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>` +
				`<CreateTime>1351776360</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X>` +
				`<Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId></xml>`,
			want: Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1351776360, MsgType: "location",
				Location_X: "23.134521", Location_Y: "113.358803", Scale: "20", Label: "位置信息", MsgId: "1234567890123456"},
		},
		{
			name: "link",
			body: `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>` +
				`<CreateTime>1351776360</CreateTime><MsgType><![CDATA[link]]></MsgType><Title><![CDATA[公众平台官网链接]]></Title>` +
				`<Description><![CDATA[公众平台官网链接]]></Description><Url><![CDATA[url]]></Url><MsgId>1234567890123456</MsgId></xml>`,
			want: Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1351776360, MsgType: "link",
				Title: "公众平台官网链接", Description: "公众平台官网链接", Url: "url", MsgId: "1234567890123456"},
		},
		{
			name: "WeCom text with AgentID",
			body: `<xml><ToUserName><![CDATA[ww1234]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>` +
				`<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>` +
				`<MsgId>1234567890123456</MsgId><AgentID>1000002</AgentID></xml>`,
			want: Message{ToUserName: "ww1234", FromUserName: "zhangsan", CreateTime: 1348831860, MsgType: "text",
				Content: "hi", MsgId: "1234567890123456", AgentID: "1000002"},
		},
		{
			name: "MsgId beyond int64 kept verbatim",
			body: `<xml><MsgId>18446744073709551615</MsgId></xml>`,
			want: Message{MsgId: "18446744073709551615"},
		},
		{
			name: "CDATA containing markup",
			body: `<xml><Content><![CDATA[<b>&amp; <![CDATA[x]]></Content></xml>`,
			want: Message{Content: "<b>&amp; <![CDATA[x"},
		},
		{
			name: "CDATA split around ]]>",
			body: `<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>`,
			want: Message{Content: "a]]>b"},
		},
		{
			name: "escaped text and character references",
			body: `<xml><Content>a &lt;b&gt; &amp; &#20013;&#x6587; &quot;&apos;</Content></xml>`,
			want: Message{Content: `a <b> & 中文 "'`},
		},
		{
			name: "content kept verbatim",
			body: "<xml><Content>  two\nlines  </Content></xml>",
			want: Message{Content: "  two\nlines  "},
		},
		{
			name: "CreateTime with surrounding whitespace",
			body: "<xml><CreateTime>\n 42 \n</CreateTime></xml>",
			want: Message{CreateTime: 42},
		},
		{
			name: "declaration, comments and root attributes",
			body: `<?xml version="1.0" encoding="UTF-8"?><!-- c --><xml a="1"><!-- c --><MsgType>text</MsgType></xml><!-- c -->` + "\n",
			want: Message{MsgType: "text"},
		},
		{
			name: "unknown and nested elements ignored",
			body: `<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[location_select]]></Event>` +
				`<SendLocationInfo><Location_X><![CDATA[23]]></Location_X><Poiname><![CDATA[p]]></Poiname></SendLocationInfo>` +
				`<Unknown/><Unknown>x</Unknown><ns:Content xmlns:ns="urn:x">not me</ns:Content></xml>`,
			want: Message{MsgType: "event", Event: "location_select"},
		},
		{
			name: "empty elements",
			body: `<xml><Content></Content><MsgType/></xml>`,
			want: Message{},
		},
		{
			name: "nesting up to MaxDepth",
			body: "<xml>" + strings.Repeat("<a>", MaxDepth-1) + strings.Repeat("</a>", MaxDepth-1) + "<Content>ok</Content></xml>",
			want: Message{Content: "ok"},
		},
		{
			name: "exactly MaxBodySize",
			body: padTo(`<xml><Content>ok</Content><!---->`, `</xml>`, MaxBodySize),
			want: Message{Content: "ok"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessage([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseMessage: %v", err)
			}
			if got != tt.want {
				t.Fatalf("ParseMessage =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseMessageRejects(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"DOCTYPE", `<!DOCTYPE xml><xml><Content>x</Content></xml>`, ErrDirective},
		{"internal entity", `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>`, ErrDirective},
		{"entity bomb", billionLaughs, ErrDirective},
		{"external entity", `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>`, ErrDirective},
		{"directive inside root", `<xml><!DOCTYPE x><Content>x</Content></xml>`, ErrDirective},
		{"undeclared entity", `<xml><Content>&nbsp;</Content></xml>`, ErrMalformedXML},
		{"depth bomb", "<xml>" + strings.Repeat("<a>", 1000) + strings.Repeat("</a>", 1000) + "</xml>", ErrTooDeep},
		{"one level too deep", "<xml>" + strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth) + "</xml>", ErrTooDeep},
		{"oversize", padTo(`<xml><Content>ok</Content><!---->`, `</xml>`, MaxBodySize+1), ErrTooLarge},
		{"empty", "", ErrMalformedXML},
		{"whitespace only", " \n\t", ErrMalformedXML},
		{"plain text", "hello", ErrMalformedXML},
		{"JSON", `{"MsgType":"text"}`, ErrMalformedXML},
		{"binary", "\x00\x01\x02\xff", ErrMalformedXML},
		{"unclosed root", `<xml><Content>x</Content>`, ErrMalformedXML},
		{"mismatched end tag", `<xml><Content>x</MsgType></xml>`, ErrMalformedXML},
		{"unquoted attribute", `<xml a=1></xml>`, ErrMalformedXML},
		{"invalid UTF-8", "<xml><Content>\xff</Content></xml>", ErrMalformedXML},
		{"control character", "<xml><Content>\x01</Content></xml>", ErrMalformedXML},
		{"non-UTF-8 declaration", `<?xml version="1.0" encoding="GBK"?><xml></xml>`, ErrMalformedXML},
		{"other root", `<root><Content>x</Content></root>`, ErrBadRoot},
		{"uppercase root", `<XML></XML>`, ErrBadRoot},
		{"namespaced root", `<ns:xml xmlns:ns="urn:x"></ns:xml>`, ErrBadRoot},
		{"default namespace on root", `<xml xmlns="urn:x"></xml>`, ErrBadRoot},
		{"second root", `<xml></xml><xml></xml>`, ErrMalformedXML},
		{"text after root", `<xml></xml>trailing`, ErrMalformedXML},
		{"text before root", `leading<xml></xml>`, ErrMalformedXML},
		{"duplicate field", `<xml><Content>a</Content><Content>b</Content></xml>`, ErrDuplicateElement},
		{"duplicate empty field", `<xml><Content/><Content>b</Content></xml>`, ErrDuplicateElement},
		{"duplicate CreateTime", `<xml><CreateTime>1</CreateTime><CreateTime>2</CreateTime></xml>`, ErrDuplicateElement},
		{"element inside field", `<xml><Content><b>x</b></Content></xml>`, ErrMalformedXML},
		{"non-numeric CreateTime", `<xml><CreateTime>yesterday</CreateTime></xml>`, ErrMalformedXML},
		{"CreateTime overflow", `<xml><CreateTime>99999999999999999999</CreateTime></xml>`, ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessage([]byte(tt.body))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got != (Message{}) {
				t.Fatalf("returned %+v alongside an error", got)
			}
		})
	}
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xml><Content>&lol3;</Content></xml>`

// padTo returns head + a comment filler + tail, exactly n bytes long.
func padTo(head, tail string, n int) string {
	filler := n - len(head) - len(tail) - len("<!---->")
	return head + "<!--" + strings.Repeat("x", filler) + "-->" + tail
}

func TestParseEnvelope(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Envelope
		err  error
	}{
		{
			name: "Official Account safe mode",
			body: `<xml><ToUserName><![CDATA[gh_123]]></ToUserName><Encrypt><![CDATA[` + oaCiphertext + `]]></Encrypt></xml>`,
			want: Envelope{ToUserName: "gh_123", Encrypt: oaCiphertext},
		},
		{
			name: "WeCom with AgentID",
			body: `<xml><ToUserName><![CDATA[` + weComCorpID + `]]></ToUserName><AgentID><![CDATA[218]]></AgentID>` +
				`<Encrypt><![CDATA[` + weComEchoStr + `]]></Encrypt></xml>`,
			want: Envelope{ToUserName: weComCorpID, Encrypt: weComEchoStr, AgentID: "218"},
		},
		{
			name: "compatible mode carries plaintext too",
			body: `<xml><ToUserName><![CDATA[gh_123]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>` +
				`<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>` +
				`<MsgId>1</MsgId><Encrypt><![CDATA[` + oaCiphertext + `]]></Encrypt></xml>`,
			want: Envelope{ToUserName: "gh_123", Encrypt: oaCiphertext},
		},
		{name: "no Encrypt", body: `<xml><ToUserName>gh_123</ToUserName></xml>`, err: ErrMissingEncrypt},
		{name: "empty Encrypt", body: `<xml><Encrypt><![CDATA[]]></Encrypt></xml>`, err: ErrMissingEncrypt},
		{name: "duplicate Encrypt", body: `<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>`, err: ErrDuplicateElement},
		{name: "entity bomb", body: billionLaughs, err: ErrDirective},
		{name: "depth bomb", body: "<xml>" + strings.Repeat("<a>", 100) + "</xml>", err: ErrTooDeep},
		{name: "nested Encrypt", body: "<xml><Encrypt><Encrypt>a</Encrypt></Encrypt></xml>", err: ErrMalformedXML},
		{name: "oversize", body: padTo(`<xml><Encrypt>a</Encrypt>`, `</xml>`, MaxBodySize+1), err: ErrTooLarge},
		{name: "garbage", body: "Encrypt=abc", err: ErrMalformedXML},
		{name: "other root", body: `<Encrypt>abc</Encrypt>`, err: ErrBadRoot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnvelope([]byte(tt.body))
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("ParseEnvelope = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDedupeKey(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"message uses MsgId", Message{MsgId: "1234567890123456", FromUserName: "o1", CreateTime: 5}, "1234567890123456"},
		{"event without key", Message{FromUserName: "o1", CreateTime: 5, MsgType: "event", Event: "subscribe"}, "o1|5|subscribe|"},
		{"event with key", Message{FromUserName: "o1", CreateTime: 5, MsgType: "event", Event: "CLICK", EventKey: "K"}, "o1|5|CLICK|K"},
		{"no MsgId and no event", Message{FromUserName: "o1", CreateTime: 5}, "o1|5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.msg.DedupeKey(); got != tt.want {
				t.Fatalf("DedupeKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadBody(t *testing.T) {
	errRead := errors.New("read failed")
	tests := []struct {
		name string
		r    io.Reader
		size int
		err  error
	}{
		{"empty", strings.NewReader(""), 0, nil},
		{"small", strings.NewReader(sampleText), len(sampleText), nil},
		{"exactly MaxBodySize", bytes.NewReader(make([]byte, MaxBodySize)), MaxBodySize, nil},
		{"one byte over", bytes.NewReader(make([]byte, MaxBodySize+1)), 0, ErrTooLarge},
		{"endless", iotest.OneByteReader(neverEnding{}), 0, ErrTooLarge},
		{"read error", iotest.ErrReader(errRead), 0, errRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := ReadBody(tt.r)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if len(body) != tt.size {
				t.Fatalf("read %d bytes, want %d", len(body), tt.size)
			}
		})
	}
}

type neverEnding struct{}

func (neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{
		sampleText, billionLaughs, "", "<xml/>", "<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>",
		"<xml><a><b><c></c></b></a><CreateTime>1</CreateTime></xml>", "<xml><Content>&#0;</Content></xml>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseMessage(body)
		if err != nil {
			return
		}
		// A parsed message re-encoded as a reply must parse back to the same
		// fields: decoded text is valid XML character data, so the encoder
		// has nothing to drop.
		reply := TextReply(m.ToUserName, m.FromUserName, m.CreateTime, m.Content)
		if len(reply) > MaxBodySize {
			return
		}
		back, err := ParseMessage(reply)
		if err != nil {
			t.Fatalf("reply does not parse: %v\n%s", err, reply)
		}
		want := Message{ToUserName: m.ToUserName, FromUserName: m.FromUserName, CreateTime: m.CreateTime,
			MsgType: "text", Content: m.Content}
		if back != want {
			t.Fatalf("reply round trip =\n%+v\nwant\n%+v", back, want)
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{
		`<xml><ToUserName><![CDATA[gh_123]]></ToUserName><Encrypt><![CDATA[` + oaCiphertext + `]]></Encrypt></xml>`,
		`<xml><Encrypt>a</Encrypt><AgentID>1</AgentID></xml>`, billionLaughs, "", "<xml>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseEnvelope(body)
		if err != nil {
			if e != (Envelope{}) {
				t.Fatalf("returned %+v alongside %v", e, err)
			}
			return
		}
		if e.Encrypt == "" {
			t.Fatal("accepted an envelope without Encrypt")
		}
		// Re-encode the fields and expect the same envelope back.
		var b bytes.Buffer
		b.WriteString("<xml>")
		writeCDATAElement(&b, "ToUserName", e.ToUserName)
		writeCDATAElement(&b, "Encrypt", e.Encrypt)
		writeCDATAElement(&b, "AgentID", e.AgentID)
		b.WriteString("</xml>")
		if b.Len() > MaxBodySize {
			return
		}
		back, err := ParseEnvelope(b.Bytes())
		if err != nil || back != e {
			t.Fatalf("envelope round trip = %+v, %v; want %+v", back, err, e)
		}
	})
}

func BenchmarkParseMessage(b *testing.B) {
	body := []byte(sampleText)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseMessage(body); err != nil {
			b.Fatal(err)
		}
	}
}
