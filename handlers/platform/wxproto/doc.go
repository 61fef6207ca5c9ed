// Package wxproto implements the callback wire protocol shared by WeChat
// Official Accounts (公众号) and WeCom (企业微信) apps: request signatures,
// the AES message encryption, and decoding/encoding of the XML messages.
//
// The package does no I/O beyond reading a bounded request body and keeps no
// mutable package state, so HTTP handlers can call it from any goroutine.
//
// A typical encrypted callback is handled in this order:
//
//  1. CheckTimestamp on the timestamp query parameter.
//  2. ParseEnvelope on the body.
//  3. Verify(msg_signature, token, timestamp, nonce, envelope.Encrypt).
//  4. Cipher.Decrypt(envelope.Encrypt), then ParseMessage on the result.
//
// Step 3 must come before step 4: the encryption has no MAC of its own, so
// the signature is what keeps Decrypt's distinct errors from becoming a
// padding oracle.
package wxproto
