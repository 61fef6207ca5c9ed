package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"time"

	"golang.org/x/crypto/bcrypt"

	"frontdoor/bot/fault"
)

// Session is a signed-in user's session. The token is handed to the
// client once, at login; Redis keeps only its SHA-256, so a copy of the
// database does not let anyone sign in.
type Session struct {
	// Token is the bearer secret; empty except on the Session Login returns.
	Token string `json:"-"`
	// ID is the token's hash: what Redis stores and logs may name.
	ID string `json:"-"`
	// CSRF is the token state-changing console forms must carry; it is
	// tied to this session.
	CSRF    string    `json:"-"`
	User    string    `json:"-"`
	Created time.Time `json:"-"`
	Expires time.Time `json:"-"`
}

// Errors of signing in.
var (
	// ErrBadLogin never says whether the name exists.
	ErrBadLogin = fault.New(fault.Unauthorized, "bad_login", "用户名或密码错误")
	// ErrNoSession means the token is unknown, expired or revoked.
	ErrNoSession = fault.New(fault.Unauthorized, "no_session", "请先登录(会话已过期或不存在)")
	errDisabled  = fault.New(fault.Forbidden, "account_disabled", "账号已停用,请联系管理员")
)

func (s *Store) sessionKey(id string) string { return s.keys.Global("session", id) }

// Login checks a name and password and opens a session. Attempts are
// throttled per name and address pair and per client address before the password is even
// looked at, and every failure looks the same whether or not the name
// exists.
func (s *Store) Login(ctx context.Context, name, password, addr string) (*Session, *User, error) {
	if err := s.gate(ctx, name, addr); err != nil {
		return nil, nil, err
	}
	u, hash, err := s.get(ctx, name)
	if err != nil && fault.KindOf(err) != fault.NotFound {
		return nil, nil, err
	}
	if u == nil {
		hash = s.dummy()
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil {
		if err := s.fail(ctx, name, addr); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrBadLogin
	}
	if u.Disabled {
		return nil, nil, errDisabled
	}
	if err := s.succeed(ctx, name, addr); err != nil {
		return nil, nil, err
	}
	sess, err := s.open(ctx, u.Name)
	if err != nil {
		return nil, nil, err
	}
	return sess, u, nil
}

// open creates a session for a user.
func (s *Store) open(ctx context.Context, name string) (*Session, error) {
	token, csrf := randomToken(), randomToken()
	now := s.now()
	sess := &Session{Token: token, ID: hashToken(token), CSRF: csrf, User: name, Created: now, Expires: now.Add(s.ttl)}
	key := s.sessionKey(sess.ID)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, key, "user", name, "csrf", csrf, "created", ms(now), "expires", ms(sess.Expires))
	pipe.Expire(ctx, key, s.ttl)
	pipe.SAdd(ctx, s.userSessionsKey(name), sess.ID)
	pipe.Expire(ctx, s.userSessionsKey(name), s.ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, storeErr(err)
	}
	return sess, nil
}

// Authenticate turns a bearer token into its session and user, extending
// the session (a sliding expiry: eight idle hours end it, a working day of
// use does not). A disabled user's sessions are refused.
func (s *Store) Authenticate(ctx context.Context, token string) (*Session, *User, error) {
	return s.authenticate(ctx, token, true)
}

// Verify is Authenticate without extending the session: for long-lived
// connections (the console's event stream) that must not keep an
// unattended session alive.
func (s *Store) Verify(ctx context.Context, token string) (*Session, *User, error) {
	return s.authenticate(ctx, token, false)
}

func (s *Store) authenticate(ctx context.Context, token string, slide bool) (*Session, *User, error) {
	if token == "" || len(token) > 128 {
		return nil, nil, ErrNoSession
	}
	id := hashToken(token)
	key := s.sessionKey(id)
	m, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, nil, storeErr(err)
	}
	now := s.now()
	sess := &Session{ID: id, User: m["user"], CSRF: m["csrf"], Created: fromMS(m["created"]), Expires: fromMS(m["expires"])}
	if sess.User == "" || !now.Before(sess.Expires) {
		return nil, nil, ErrNoSession
	}
	u, err := s.Get(ctx, sess.User)
	if fault.KindOf(err) == fault.NotFound || err == nil && u.Disabled {
		_ = s.rdb.Del(ctx, key).Err()
		return nil, nil, ErrNoSession
	}
	if err != nil {
		return nil, nil, err
	}
	if !slide {
		return sess, u, nil
	}
	sess.Expires = now.Add(s.ttl)
	pipe := s.rdb.Pipeline()
	pipe.HSet(ctx, key, "expires", ms(sess.Expires))
	pipe.Expire(ctx, key, s.ttl)
	pipe.Expire(ctx, s.userSessionsKey(u.Name), s.ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, nil, storeErr(err)
	}
	return sess, u, nil
}

// Logout ends the session a token names.
func (s *Store) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	id := hashToken(token)
	name, err := s.rdb.HGet(ctx, s.sessionKey(id), "user").Result()
	if err != nil {
		return storeErr(err)
	}
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, s.sessionKey(id))
	pipe.SRem(ctx, s.userSessionsKey(name), id)
	_, err = pipe.Exec(ctx)
	return storeErr(err)
}

// revokeAll ends every session of a user.
func (s *Store) revokeAll(ctx context.Context, name string) error {
	ids, err := s.rdb.SMembers(ctx, s.userSessionsKey(name)).Result()
	if err != nil {
		return storeErr(err)
	}
	keys := []string{s.userSessionsKey(name)}
	for _, id := range ids {
		keys = append(keys, s.sessionKey(id))
	}
	return storeErr(s.rdb.Del(ctx, keys...).Err())
}

// CheckCSRF compares a submitted CSRF token with the session's in
// constant time.
func (sess *Session) CheckCSRF(token string) bool {
	return sess != nil && sess.CSRF != "" && subtle.ConstantTimeCompare([]byte(sess.CSRF), []byte(token)) == 1
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
