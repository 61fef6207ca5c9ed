package wxproto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

const (
	// EncodingAESKeyLen is the length of the EncodingAESKey shown in the
	// platform consoles: 32 key bytes in unpadded base64.
	EncodingAESKeyLen = 43

	// RandomLen is the length of the random prefix of every encrypted
	// message; EncryptWithRandom requires exactly this many bytes.
	RandomLen = 16

	// padBlock is the PKCS#7 block size the platforms use. It is the AES key
	// size, not the AES block size, and decrypting with 16 rejects valid
	// messages whose padding is 17..32 bytes.
	padBlock = 32

	// headerLen covers the random prefix and the 4-byte length field.
	headerLen = RandomLen + 4
)

// Errors from NewCipher and encryption describe configuration or caller
// mistakes rather than hostile input.
var (
	// ErrKeyLength means the EncodingAESKey is not 43 characters, typically
	// a key pasted with surrounding whitespace or cut short.
	ErrKeyLength = errors.New("wxproto: EncodingAESKey must be 43 characters")
	// ErrKeyEncoding means the EncodingAESKey has characters outside the
	// standard base64 alphabet.
	ErrKeyEncoding = errors.New("wxproto: EncodingAESKey is not valid base64")
	// ErrRandomLength means EncryptWithRandom got a prefix that is not
	// RandomLen bytes.
	ErrRandomLength = errors.New("wxproto: random prefix must be 16 bytes")
	// ErrMessageTooBig means the message cannot be described by the
	// frame's 32-bit length field.
	ErrMessageTooBig = errors.New("wxproto: message does not fit the 32-bit length field")
)

// Errors from Cipher.Decrypt, one per check, so that logs show which part of
// a rejected message was wrong.
var (
	// ErrBadBase64 means the Encrypt text is not standard base64.
	ErrBadBase64 = errors.New("wxproto: ciphertext is not valid base64")
	// ErrBadLength means the ciphertext is shorter than one frame or not a
	// whole number of AES blocks.
	ErrBadLength = errors.New("wxproto: ciphertext length is not a positive multiple of the block size")
	// ErrBadPadding means the decrypted frame does not end in 1..32 equal
	// PKCS#7 pad bytes; with a verified signature this indicates a wrong
	// EncodingAESKey.
	ErrBadPadding = errors.New("wxproto: invalid PKCS#7 padding")
	// ErrBadMsgLength means the frame's length field points past its end.
	ErrBadMsgLength = errors.New("wxproto: message length field out of bounds")
	// ErrReceiverMismatch means the message was encrypted for another
	// AppID/CorpID than the one the Cipher was created for.
	ErrReceiverMismatch = errors.New("wxproto: receiver id does not match")
)

// Cipher encrypts and decrypts callback messages for one receiver: the AppID
// of an Official Account, or the CorpID (SuiteID for third-party suites) of a
// WeCom app. It holds no mutable state and is safe for concurrent use.
type Cipher struct {
	block      cipher.Block
	iv         [aes.BlockSize]byte
	receiverID string
}

// NewCipher derives the AES-256 key from encodingAESKey and binds the cipher
// to receiverID, which every decrypted message must carry. An empty
// receiverID is allowed because WeCom sends one for some third-party apps.
func NewCipher(encodingAESKey, receiverID string) (*Cipher, error) {
	if len(encodingAESKey) != EncodingAESKeyLen {
		return nil, fmt.Errorf("%w, got %d", ErrKeyLength, len(encodingAESKey))
	}
	// Non-strict decoding on purpose: the 43rd character carries two unused
	// bits, and the consoles generate keys where they are not zero.
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyEncoding, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyEncoding, err)
	}
	c := &Cipher{block: block, receiverID: receiverID}
	copy(c.iv[:], key)
	return c, nil
}

// Encrypt encrypts msg with a fresh random prefix from crypto/rand and
// returns the base64 text for the Encrypt element.
func (c *Cipher) Encrypt(msg []byte) (string, error) {
	var random [RandomLen]byte
	rand.Read(random[:]) // never fails; see crypto/rand.Read
	return c.EncryptWithRandom(random[:], msg)
}

// EncryptWithRandom is Encrypt with a caller-chosen random prefix. It exists
// for reproducing published test vectors; production code should call
// Encrypt, because a repeated prefix makes equal messages encrypt equally.
func (c *Cipher) EncryptWithRandom(random, msg []byte) (string, error) {
	if len(random) != RandomLen {
		return "", fmt.Errorf("%w, got %d", ErrRandomLength, len(random))
	}
	if uint64(len(msg)) > math.MaxUint32 {
		return "", ErrMessageTooBig
	}
	plain := c.frame(random, msg)
	cipher.NewCBCEncrypter(c.block, c.iv[:]).CryptBlocks(plain, plain)
	return base64.StdEncoding.EncodeToString(plain), nil
}

// frame builds random | len(msg) | msg | receiverID | PKCS#7 padding.
func (c *Cipher) frame(random, msg []byte) []byte {
	n := headerLen + len(msg) + len(c.receiverID)
	pad := padBlock - n%padBlock
	buf := make([]byte, 0, n+pad)
	buf = append(buf, random...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(msg)))
	buf = append(buf, msg...)
	buf = append(buf, c.receiverID...)
	for range pad {
		buf = append(buf, byte(pad))
	}
	return buf
}

// Decrypt decodes and decrypts the base64 Encrypt text and returns the
// message. Each structural check has its own error (ErrBadBase64,
// ErrBadLength, ErrBadPadding, ErrBadMsgLength, ErrReceiverMismatch).
// Verify the msg_signature first: without it these distinct errors would
// act as a padding oracle.
func (c *Cipher) Decrypt(b64 string) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadBase64, err)
	}
	// Any valid frame is at least headerLen bytes, i.e. one padBlock.
	if len(data) < padBlock || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadLength, len(data))
	}
	cipher.NewCBCDecrypter(c.block, c.iv[:]).CryptBlocks(data, data)
	body, err := unpad(data)
	if err != nil {
		return nil, err
	}
	return c.unframe(body)
}

// unpad strips PKCS#7 padding with a block size of padBlock.
func unpad(data []byte) ([]byte, error) {
	pad := int(data[len(data)-1])
	if pad < 1 || pad > padBlock || pad > len(data) {
		return nil, fmt.Errorf("%w: pad byte %d", ErrBadPadding, pad)
	}
	for _, b := range data[len(data)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: inconsistent pad bytes", ErrBadPadding)
		}
	}
	return data[:len(data)-pad], nil
}

// unframe splits random | length | msg | receiverID and checks the
// receiver, which is what stops a message meant for another account from
// being accepted under a shared EncodingAESKey.
func (c *Cipher) unframe(body []byte) ([]byte, error) {
	if len(body) < headerLen {
		return nil, fmt.Errorf("%w: frame is %d bytes", ErrBadMsgLength, len(body))
	}
	n := uint64(binary.BigEndian.Uint32(body[RandomLen:headerLen]))
	if n > uint64(len(body)-headerLen) {
		return nil, fmt.Errorf("%w: %d > %d", ErrBadMsgLength, n, len(body)-headerLen)
	}
	end := headerLen + int(n)
	if got := body[end:]; string(got) != c.receiverID {
		// The id is shown because a mismatch is nearly always a
		// misconfigured AppID/CorpID; it is capped since it is input.
		return nil, fmt.Errorf("%w: got %q", ErrReceiverMismatch, got[:min(len(got), 64)])
	}
	return body[headerLen:end:end], nil
}
