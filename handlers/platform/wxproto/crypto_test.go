package wxproto

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
)

// Published vectors. They come from the platforms' documentation and sample
// code; a failure here means the implementation is wrong, not the vector.
const (
	weComToken     = "QDG6eK"
	weComAESKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	weComCorpID    = "wx5823bf96d3bd56c7"
	weComTimestamp = "1409659589"
	weComNonce     = "263014780"
	weComEchoStr   = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	weComSignature = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	weComEchoPlain = "1616140317555161061"

	oaAESKey     = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	oaAppID      = "wxb11529c136998cb6"
	oaRandom     = "aaaabbbbccccdddd"
	oaMessage    = "我是中文abcd123"
	oaCiphertext = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
)

func TestPublishedVectors(t *testing.T) {
	t.Run("WeCom URL verification", func(t *testing.T) {
		if !Verify(weComSignature, weComToken, weComTimestamp, weComNonce, weComEchoStr) {
			t.Fatalf("msg_signature does not verify; Sign = %s", Sign(weComToken, weComTimestamp, weComNonce, weComEchoStr))
		}
		c := mustCipher(t, weComAESKey, weComCorpID)
		got, err := c.Decrypt(weComEchoStr)
		if err != nil {
			t.Fatalf("Decrypt: %v", err)
		}
		if string(got) != weComEchoPlain {
			t.Fatalf("Decrypt = %q, want %q", got, weComEchoPlain)
		}
	})
	t.Run("Official Account encryption", func(t *testing.T) {
		c := mustCipher(t, oaAESKey, oaAppID)
		got, err := c.EncryptWithRandom([]byte(oaRandom), []byte(oaMessage))
		if err != nil {
			t.Fatalf("EncryptWithRandom: %v", err)
		}
		if got != oaCiphertext {
			t.Fatalf("EncryptWithRandom = %s, want %s", got, oaCiphertext)
		}
		plain, err := c.Decrypt(oaCiphertext)
		if err != nil {
			t.Fatalf("Decrypt: %v", err)
		}
		if string(plain) != oaMessage {
			t.Fatalf("Decrypt = %q, want %q", plain, oaMessage)
		}
	})
	t.Run("receiver is bound", func(t *testing.T) {
		c := mustCipher(t, weComAESKey, oaAppID)
		if _, err := c.Decrypt(weComEchoStr); !errors.Is(err, ErrReceiverMismatch) {
			t.Fatalf("Decrypt with another receiver: err = %v, want ErrReceiverMismatch", err)
		}
	})
}

func mustCipher(tb testing.TB, key, receiver string) *Cipher {
	tb.Helper()
	c, err := NewCipher(key, receiver)
	if err != nil {
		tb.Fatalf("NewCipher: %v", err)
	}
	return c
}

func TestNewCipher(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want error
	}{
		{"valid", oaAESKey, nil},
		{"valid with nonzero trailing bits", weComAESKey, nil},
		{"empty", "", ErrKeyLength},
		{"42 characters", oaAESKey[:42], ErrKeyLength},
		{"44 characters", oaAESKey + "=", ErrKeyLength},
		{"padding inside", oaAESKey[:42] + "=", ErrKeyEncoding},
		{"non-base64 character", "!" + oaAESKey[1:], ErrKeyEncoding},
		{"url-safe alphabet", "-" + oaAESKey[1:], ErrKeyEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCipher(tt.key, oaAppID)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if (c != nil) != (tt.want == nil) {
				t.Fatalf("cipher = %v with err = %v", c, err)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		receiver string
		msg      []byte
	}{
		{"empty message", oaAppID, nil},
		{"one byte", oaAppID, []byte("x")},
		// 16 + 4 + 18 (AppID) = 38; 26 more bytes fill two blocks exactly,
		// so the padding is a whole 32-byte block.
		{"full padding block", oaAppID, bytes.Repeat([]byte("a"), 26)},
		{"one byte of padding", oaAppID, bytes.Repeat([]byte("a"), 25)},
		{"chinese text", oaAppID, []byte(oaMessage)},
		{"xml message", weComCorpID, []byte(sampleText)},
		{"binary", weComCorpID, []byte{0, 1, 2, 0xff, 0xfe, 0x80}},
		{"large", weComCorpID, bytes.Repeat([]byte("0123456789"), 10000)},
		{"empty receiver", "", []byte("hello")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCipher(t, weComAESKey, tt.receiver)
			enc, err := c.Encrypt(tt.msg)
			if err != nil {
				t.Fatalf("Encrypt: %v", err)
			}
			raw, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				t.Fatalf("Encrypt output is not base64: %v", err)
			}
			if len(raw)%padBlock != 0 {
				t.Fatalf("ciphertext is %d bytes, not a multiple of %d", len(raw), padBlock)
			}
			got, err := c.Decrypt(enc)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(got, tt.msg) {
				t.Fatalf("round trip = %q, want %q", got, tt.msg)
			}
		})
	}
}

func TestEncryptUsesFreshRandom(t *testing.T) {
	c := mustCipher(t, oaAESKey, oaAppID)
	a, _ := c.Encrypt([]byte(oaMessage))
	b, _ := c.Encrypt([]byte(oaMessage))
	if a == b {
		t.Fatal("two encryptions of the same message are identical")
	}
}

func TestEncryptWithRandomRejectsBadRandom(t *testing.T) {
	c := mustCipher(t, oaAESKey, oaAppID)
	for _, n := range []int{0, 15, 17, 32} {
		if _, err := c.EncryptWithRandom(make([]byte, n), nil); !errors.Is(err, ErrRandomLength) {
			t.Errorf("random of %d bytes: err = %v, want ErrRandomLength", n, err)
		}
	}
}

func TestDecryptErrors(t *testing.T) {
	c := mustCipher(t, oaAESKey, oaAppID)
	other := mustCipher(t, oaAESKey, "wx0000000000000000")
	fromOther, err := other.Encrypt([]byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	random := []byte(oaRandom)

	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrBadLength},
		{"bad base64 character", "!!!!" + oaCiphertext[4:], ErrBadBase64},
		{"truncated base64", oaCiphertext[:len(oaCiphertext)-1], ErrBadBase64},
		{"url-safe base64", strings.NewReplacer("+", "-", "/", "_").Replace(oaCiphertext), ErrBadBase64},
		{"one AES block", b64(make([]byte, 16)), ErrBadLength},
		{"not a block multiple", b64(make([]byte, 40)), ErrBadLength},
		{"ciphertext cut by one block", b64(mustB64(t, oaCiphertext)[:48]), ErrBadPadding},
		{"pad byte zero", encryptRaw(c, frameWith(random, 0, nil, oaAppID, 0)), ErrBadPadding},
		{"pad byte 33", encryptRaw(c, frameWith(random, 0, nil, oaAppID, 33)), ErrBadPadding},
		{"inconsistent pad bytes", encryptRaw(c, inconsistentPad(frameWith(random, 2, []byte("hi"), oaAppID, -1))), ErrBadPadding},
		{"padding covers the whole frame", encryptRaw(c, bytes.Repeat([]byte{32}, 32)), ErrBadMsgLength},
		{"length field beyond frame", encryptRaw(c, frameWith(random, 1000, []byte("hi"), oaAppID, -1)), ErrBadMsgLength},
		{"length field max uint32", encryptRaw(c, frameWith(random, 0xffffffff, []byte("hi"), oaAppID, -1)), ErrBadMsgLength},
		{"length field one too long", encryptRaw(c, frameWith(random, 3+len(oaAppID), []byte("hi"), oaAppID, -1)), ErrBadMsgLength},
		{"length field swallows receiver", encryptRaw(c, frameWith(random, 2+len(oaAppID), []byte("hi"), oaAppID, -1)), ErrReceiverMismatch},
		{"wrong receiver", fromOther, ErrReceiverMismatch},
		{"missing receiver", encryptRaw(c, frameWith(random, 2, []byte("hi"), "", -1)), ErrReceiverMismatch},
		{"flipped pad byte", flipByte(t, oaCiphertext, 47), ErrBadPadding},
		{"flipped receiver byte", flipByte(t, oaCiphertext, 40), ErrReceiverMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Decrypt(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Fatalf("returned %q alongside an error", got)
			}
		})
	}
}

func TestCipherConcurrentUse(t *testing.T) {
	c := mustCipher(t, oaAESKey, oaAppID)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				enc, err := c.Encrypt([]byte(oaMessage))
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := c.Decrypt(enc); err != nil || string(got) != oaMessage {
					t.Errorf("Decrypt = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// frameWith builds a plaintext frame with an arbitrary length field and
// padding. pad < 0 means correct PKCS#7 padding to 32 bytes; otherwise pad
// bytes of value pad are appended and the frame is zero-filled up to a
// 16-byte multiple first.
func frameWith(random []byte, length int, msg []byte, receiver string, pad int) []byte {
	b := append([]byte{}, random...)
	b = binary.BigEndian.AppendUint32(b, uint32(length))
	b = append(b, msg...)
	b = append(b, receiver...)
	if pad < 0 {
		n := padBlock - len(b)%padBlock
		return append(b, bytes.Repeat([]byte{byte(n)}, n)...)
	}
	for (len(b)+1)%16 != 0 {
		b = append(b, 0)
	}
	return append(b, byte(pad))
}

// inconsistentPad keeps the final pad byte but corrupts the one before it.
func inconsistentPad(frame []byte) []byte {
	frame[len(frame)-2] ^= 0x01
	return frame
}

// encryptRaw CBC-encrypts a frame (a multiple of 16 bytes) as is, so tests
// can produce ciphertexts that Encrypt never would.
func encryptRaw(c *Cipher, frame []byte) string {
	out := make([]byte, len(frame))
	cipher.NewCBCEncrypter(c.block, c.iv[:]).CryptBlocks(out, frame)
	return b64(out)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func mustB64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// flipByte flips byte i of the decoded ciphertext. In CBC that garbles
// plaintext block i/16 and flips plaintext byte i+16 exactly; for the
// 64-byte Official Account vector, byte 47 lands on the last pad byte and
// byte 40 on the receiver id.
func flipByte(tb testing.TB, s string, i int) string {
	b := mustB64(tb, s)
	b[i] ^= 0x55
	return b64(b)
}

func FuzzDecrypt(f *testing.F) {
	f.Add(oaCiphertext, []byte(oaMessage))
	f.Add(weComEchoStr, []byte(""))
	f.Add("", []byte(sampleText))
	f.Add("AAAA", []byte{0})
	f.Add(b64(make([]byte, 32)), []byte("]]>"))
	c, err := NewCipher(oaAESKey, oaAppID)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ciphertext string, msg []byte) {
		// Arbitrary input must only ever fail cleanly.
		if got, err := c.Decrypt(ciphertext); err == nil {
			// Whatever decrypts must survive a re-encryption.
			enc, err := c.Encrypt(got)
			if err != nil {
				t.Fatalf("Encrypt of decrypted message: %v", err)
			}
			again, err := c.Decrypt(enc)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("re-encryption round trip = %q, %v; want %q", again, err, got)
			}
		}
		// Every message must round-trip.
		enc, err := c.Encrypt(msg)
		if err != nil {
			t.Fatalf("Encrypt: %v", err)
		}
		got, err := c.Decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("round trip = %q, %v; want %q", got, err, msg)
		}
	})
}

func BenchmarkDecrypt(b *testing.B) {
	c := mustCipher(b, weComAESKey, weComCorpID)
	enc, err := c.Encrypt([]byte(sampleText))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(sampleText)))
	for b.Loop() {
		if _, err := c.Decrypt(enc); err != nil {
			b.Fatal(err)
		}
	}
}
