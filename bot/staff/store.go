package staff

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"frontdoor/bot/fault"
	"frontdoor/bot/store"
)

// Options tune a Store; zero fields take the defaults.
type Options struct {
	// SessionTTL is how long an idle session lives; every use extends it
	// (default 8 h).
	SessionTTL time.Duration
	// Cost is the bcrypt cost (default bcrypt.DefaultCost; tests lower it).
	Cost int
	// Throttle limits login attempts.
	Throttle Throttle
	// Now is injectable so expiry and throttling can be tested without
	// sleeping.
	Now func() time.Time
}

// Store keeps users and sessions in Redis. Users and sessions belong to
// no tenant (a user names the tenant they work for), so their keys are
// global:
//
//	{global}:user:<name>             hash: the account and its bcrypt hash
//	{global}:users                   set: every user name
//	{global}:user:<name>:sessions    set: the user's session ids
//	{global}:session:<sha256(token)> hash: user, csrf, expires (TTL, sliding)
//	{global}:login:name:<name>       hash: failed logins of a name
//	{global}:login:addr:<address>    hash: failed logins from an address
type Store struct {
	rdb  store.Client
	keys store.Keys
	ttl  time.Duration
	cost int
	thr  Throttle
	now  func() time.Time
	// dummy is compared against when a name does not exist, so that a
	// failed login takes as long whether or not the name is known. Hashing
	// it takes as long as a login; it starts in the background so that it
	// is not on start-up's path.
	dummy func() []byte
}

// NewStore builds a store.
func NewStore(rdb store.Client, keys store.Keys, o Options) *Store {
	if o.SessionTTL <= 0 {
		o.SessionTTL = 8 * time.Hour
	}
	if o.Cost == 0 {
		o.Cost = bcrypt.DefaultCost
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Throttle.defaults()
	dummy := sync.OnceValue(func() []byte {
		h, _ := bcrypt.GenerateFromPassword([]byte("not-a-real-password"), o.Cost)
		return h
	})
	go dummy()
	return &Store{rdb: rdb, keys: keys, ttl: o.SessionTTL, cost: o.Cost, thr: o.Throttle, now: o.Now, dummy: dummy}
}

// SessionTTL is how long an idle session lives.
func (s *Store) SessionTTL() time.Duration { return s.ttl }

func (s *Store) userKey(name string) string         { return s.keys.Global("user", name) }
func (s *Store) usersKey() string                   { return s.keys.Global("users") }
func (s *Store) userSessionsKey(name string) string { return s.keys.Global("user", name, "sessions") }

// Errors users see.
var (
	ErrUserNotFound = fault.New(fault.NotFound, "user_not_found", "没有这个用户")
	errUserExists   = fault.New(fault.Conflict, "user_exists", "用户已存在;修改密码请用 user passwd")
)

// addScript creates a user only if the name is free.
// KEYS[1] user, KEYS[2] users set; ARGV: field/value pairs.
var addScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`)

// Add creates a user with a password. Validate the user first.
func (s *Store) Add(ctx context.Context, u User, password string) error {
	if err := CheckPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return err
	}
	now := s.now()
	u.Created, u.Updated = now, now
	args := append(userFields(u), "hash", string(hash))
	ok, err := addScript.Run(ctx, s.rdb, []string{s.userKey(u.Name), s.usersKey()}, args...).Int()
	if err != nil {
		return storeErr(err)
	}
	if ok == 0 {
		return errUserExists
	}
	return nil
}

// userFields lists a user's hash fields; "name" comes first (addScript
// reads it from ARGV[2]).
func userFields(u User) []any {
	return []any{"name", u.Name, "role", string(u.Role), "unit", u.Unit, "region", u.Region, "tenant", u.Tenant,
		"disabled", boolField(u.Disabled), "created", ms(u.Created), "updated", ms(u.Updated)}
}

// Get reads a user.
func (s *Store) Get(ctx context.Context, name string) (*User, error) {
	u, _, err := s.get(ctx, name)
	return u, err
}

// get reads a user and its password hash.
func (s *Store) get(ctx context.Context, name string) (*User, []byte, error) {
	if !reName.MatchString(name) {
		return nil, nil, ErrUserNotFound
	}
	m, err := s.rdb.HGetAll(ctx, s.userKey(name)).Result()
	if err != nil {
		return nil, nil, storeErr(err)
	}
	if len(m) == 0 {
		return nil, nil, ErrUserNotFound
	}
	return decodeUser(m), []byte(m["hash"]), nil
}

func decodeUser(m map[string]string) *User {
	return &User{Name: m["name"], Role: Role(m["role"]), Unit: m["unit"], Region: m["region"], Tenant: m["tenant"],
		Disabled: m["disabled"] == "1", Created: fromMS(m["created"]), Updated: fromMS(m["updated"])}
}

// List returns every user, sorted by name.
func (s *Store) List(ctx context.Context) ([]User, error) {
	names, err := s.rdb.SMembers(ctx, s.usersKey()).Result()
	if err != nil {
		return nil, storeErr(err)
	}
	sort.Strings(names)
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(names))
	for i, n := range names {
		cmds[i] = pipe.HGetAll(ctx, s.userKey(n))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, storeErr(err)
	}
	out := make([]User, 0, len(names))
	for _, c := range cmds {
		if m := c.Val(); len(m) > 0 {
			out = append(out, *decodeUser(m))
		}
	}
	return out, nil
}

// SetPassword replaces a user's password and ends their sessions, so a
// leaked password stops working everywhere at once.
func (s *Store) SetPassword(ctx context.Context, name, password string) error {
	if err := CheckPassword(password); err != nil {
		return err
	}
	if _, err := s.Get(ctx, name); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return err
	}
	if err := s.rdb.HSet(ctx, s.userKey(name), "hash", string(hash), "updated", ms(s.now())).Err(); err != nil {
		return storeErr(err)
	}
	return s.revokeAll(ctx, name)
}

// SetDisabled disables (or re-enables) a user; disabling ends their
// sessions at once.
func (s *Store) SetDisabled(ctx context.Context, name string, disabled bool) error {
	if _, err := s.Get(ctx, name); err != nil {
		return err
	}
	if err := s.rdb.HSet(ctx, s.userKey(name), "disabled", boolField(disabled), "updated", ms(s.now())).Err(); err != nil {
		return storeErr(err)
	}
	if !disabled {
		return nil
	}
	return s.revokeAll(ctx, name)
}

// storeErr turns Redis outages into the product's error.
func storeErr(err error) error {
	if err == nil || errors.Is(err, redis.Nil) {
		return nil
	}
	if _, ok := fault.As(err); ok {
		return err
	}
	if store.IsUnavailable(err) {
		return fault.Wrap(fault.Unavailable, "store_unavailable", "服务暂时不可用,请稍后再试", err)
	}
	return err
}

func ms(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func fromMS(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

func boolField(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
