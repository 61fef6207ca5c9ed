package dial

import (
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"
)

// Connection defaults. They are short on purpose: a request handler would
// rather fail fast and answer "try again" than hang on a dead Redis.
const (
	defaultDialTimeout  = 2 * time.Second
	defaultReadTimeout  = 2 * time.Second
	defaultWriteTimeout = 2 * time.Second
	defaultPoolTimeout  = 3 * time.Second
	defaultMaxRetries   = 2
	openPingTimeout     = 2 * time.Second
)

// topology is the kind of deployment a URL scheme names.
type topology int

const (
	topoSingle topology = iota
	topoSentinel
	topoCluster
)

// scheme is what a URL scheme implies for the client.
type scheme struct {
	name        string
	topo        topology
	tls         bool
	defaultPort string
}

// knownSchemes is a function, not a variable, so that no caller can change
// the table.
func knownSchemes() []scheme {
	return []scheme{
		{"redis", topoSingle, false, "6379"},
		{"rediss", topoSingle, true, "6379"},
		{"redis+sentinel", topoSentinel, false, "26379"},
		{"rediss+sentinel", topoSentinel, true, "26379"},
		{"redis+cluster", topoCluster, false, "6379"},
		{"rediss+cluster", topoCluster, true, "6379"},
	}
}

func lookupScheme(name string) (scheme, bool) {
	all := knownSchemes()
	i := slices.IndexFunc(all, func(s scheme) bool { return s.name == strings.ToLower(name) })
	if i < 0 {
		return scheme{}, false
	}
	return all[i], true
}

func schemeNames() string {
	all := knownSchemes()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.name + "://"
	}
	return strings.Join(names, ", ")
}

// Options turns a Redis URL (see the package documentation for the forms) into
// options for NewClient, which then builds a single-node,
// Sentinel failover or Cluster client to match the scheme. The error names
// the part of the URL that is wrong and never contains a password.
func Options(rawURL string) (*redis.UniversalOptions, error) {
	p := urlParser{raw: rawURL, secrets: secretsOf(rawURL)}
	opts, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("store: redis url: %w", err)
	}
	return opts, nil
}

// urlParts is a Redis URL cut into its pieces, nothing decoded or checked.
// url.Parse is not used because it cannot hold a host list with bracketed IPv6
// entries, and because its errors quote the input, password included.
type urlParts struct {
	scheme   string
	userinfo string
	hasUser  bool
	hosts    string
	path     string // without the leading "/"
	hasPath  bool
	query    string
	hasQuery bool
}

// cutURL splits raw at "://", the last "@" before the query, the first "/"
// after the hosts and the first "?". Taking the last "@" keeps a password that
// contains "@" or "/" out of the host and path.
func cutURL(raw string) (urlParts, bool) {
	name, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return urlParts{}, false
	}
	p := urlParts{scheme: name}
	rest, p.query, p.hasQuery = strings.Cut(rest, "?")
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		p.userinfo, p.hasUser, rest = rest[:i], true, rest[i+1:]
	}
	p.hosts, p.path, p.hasPath = strings.Cut(rest, "/")
	return p, true
}

// urlParser parses one URL; secrets are the substrings of it that must not be
// echoed in an error.
type urlParser struct {
	raw     string
	secrets []string
}

// show quotes an offending value for an error message unless it could be part
// of a password, which happens when a password with unencoded reserved
// characters makes the URL cut in the wrong place.
func (p *urlParser) show(v string) string {
	for _, s := range p.secrets {
		if v != "" && strings.Contains(s, v) {
			return `"***"`
		}
	}
	return strconv.Quote(v)
}

func (p *urlParser) parse() (*redis.UniversalOptions, error) {
	parts, ok := cutURL(p.raw)
	if !ok {
		return nil, fmt.Errorf("missing scheme: want one of %s", schemeNames())
	}
	sch, ok := lookupScheme(parts.scheme)
	if !ok {
		return nil, fmt.Errorf("unknown scheme %s: want one of %s", p.showScheme(parts.scheme), schemeNames())
	}
	o := defaultOptions(sch)
	steps := []func(*redis.UniversalOptions, scheme, urlParts) error{
		p.applyUserinfo, p.applyHosts, p.applyPath, p.applyQuery,
	}
	for _, step := range steps {
		if err := step(o, sch, parts); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// showScheme quotes a scheme only if it looks like one; anything else may be a
// URL mangled so badly that the password ended up in front of "://".
func (p *urlParser) showScheme(s string) string {
	valid := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("+-.", r)))
	}) < 0
	if !valid {
		return "(malformed)"
	}
	return p.show(s)
}

func defaultOptions(sch scheme) *redis.UniversalOptions {
	o := &redis.UniversalOptions{
		DialTimeout:           defaultDialTimeout,
		ReadTimeout:           defaultReadTimeout,
		WriteTimeout:          defaultWriteTimeout,
		PoolTimeout:           defaultPoolTimeout,
		MaxRetries:            defaultMaxRetries,
		ContextTimeoutEnabled: true,
		IsClusterMode:         sch.topo == topoCluster,
	}
	if sch.tls {
		// ServerName stays empty: the TLS dialer then checks each node
		// against the host it dials, which is what a host list needs.
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return o
}

func (p *urlParser) applyUserinfo(o *redis.UniversalOptions, _ scheme, parts urlParts) error {
	if !parts.hasUser {
		return nil
	}
	rawUser, rawPass, _ := strings.Cut(parts.userinfo, ":")
	user, err := url.PathUnescape(rawUser)
	if err != nil {
		return errors.New("user name is not valid percent-encoding")
	}
	pass, err := url.PathUnescape(rawPass)
	if err != nil {
		return errors.New("password is not valid percent-encoding")
	}
	o.Username, o.Password = user, pass
	return nil
}

func (p *urlParser) applyHosts(o *redis.UniversalOptions, sch scheme, parts urlParts) error {
	if parts.hosts == "" {
		return errors.New("missing host")
	}
	entries := strings.Split(parts.hosts, ",")
	if sch.topo == topoSingle && len(entries) > 1 {
		return fmt.Errorf("%s:// takes one host, got %d: use redis+sentinel:// or redis+cluster:// for several", sch.name, len(entries))
	}
	o.Addrs = make([]string, 0, len(entries))
	for i, entry := range entries {
		addr, err := p.parseAddr(entry, sch.defaultPort)
		if err != nil {
			if len(entries) > 1 {
				return fmt.Errorf("host %d of %d: %w", i+1, len(entries), err)
			}
			return err
		}
		o.Addrs = append(o.Addrs, addr)
	}
	return nil
}

// parseAddr checks one "host[:port]" or "[ipv6][:port]" entry and returns it as
// host:port.
func (p *urlParser) parseAddr(entry, defaultPort string) (string, error) {
	host, port, hasPort, err := p.splitHostPort(entry)
	if err != nil {
		return "", err
	}
	if host == "" {
		return "", errors.New("missing host")
	}
	if strings.IndexFunc(host, badHostRune) >= 0 {
		return "", fmt.Errorf("bad host %s", p.show(host))
	}
	if !hasPort {
		return net.JoinHostPort(host, defaultPort), nil
	}
	if !validPort(port) {
		return "", fmt.Errorf("bad port %s in %s: want a number from 1 to 65535", p.show(port), p.show(entry))
	}
	return net.JoinHostPort(host, port), nil
}

func (p *urlParser) splitHostPort(entry string) (host, port string, hasPort bool, err error) {
	if !strings.HasPrefix(entry, "[") {
		if strings.Count(entry, ":") > 1 {
			return "", "", false, fmt.Errorf("bad host %s: put an IPv6 address in brackets, like [::1]:6379", p.show(entry))
		}
		host, port, hasPort = strings.Cut(entry, ":")
		return host, port, hasPort, nil
	}
	host, rest, ok := strings.Cut(entry[1:], "]")
	if !ok {
		return "", "", false, fmt.Errorf("bad host %s: missing ']'", p.show(entry))
	}
	if rest == "" {
		return host, "", false, nil
	}
	port, hasPort = strings.CutPrefix(rest, ":")
	if !hasPort {
		return "", "", false, fmt.Errorf("bad host %s: want ':port' after ']'", p.show(entry))
	}
	return host, port, true, nil
}

func badHostRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("[]{}<>\"'\\#%", r)
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && allDigits(s) && n >= 1 && n <= 65535
}

// allDigits rejects the signs strconv.Atoi accepts.
func allDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func (p *urlParser) applyPath(o *redis.UniversalOptions, sch scheme, parts urlParts) error {
	switch sch.topo {
	case topoSentinel:
		return p.applySentinelPath(o, parts.path)
	case topoCluster:
		if parts.path != "" {
			return fmt.Errorf("db is not supported by %s:// (a Cluster has only db 0): remove the path after the hosts", sch.name)
		}
		return nil
	default:
		if parts.path == "" {
			return nil
		}
		db, err := p.parseDB(parts.path)
		o.DB = db
		return err
	}
}

func (p *urlParser) applySentinelPath(o *redis.UniversalOptions, path string) error {
	rawName, rawDB, hasDB := strings.Cut(path, "/")
	if rawName == "" {
		return errors.New("missing master name: want redis+sentinel://host:26379/master-name[/db]")
	}
	name, err := url.PathUnescape(rawName)
	if err != nil {
		return fmt.Errorf("master name %s is not valid percent-encoding", p.show(rawName))
	}
	o.MasterName = name
	if !hasDB || rawDB == "" {
		return nil
	}
	o.DB, err = p.parseDB(rawDB)
	return err
}

func (p *urlParser) parseDB(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || !allDigits(s) {
		return 0, fmt.Errorf("bad db %s: want a number 0 or more", p.show(s))
	}
	return n, nil
}

func (p *urlParser) applyQuery(o *redis.UniversalOptions, sch scheme, parts urlParts) error {
	if parts.query == "" {
		return nil
	}
	q, err := url.ParseQuery(parts.query)
	if err != nil {
		// The parser's own message quotes the input, which may hold a password.
		return errors.New("query string is not valid: separate parameters with & and percent-encode special characters")
	}
	// Sorted, so that a URL with several mistakes always reports the same one.
	for _, key := range slices.Sorted(maps.Keys(q)) {
		if len(q[key]) > 1 {
			return fmt.Errorf("query parameter %s is given more than once", p.show(key))
		}
		if err := p.applyParam(o, sch, key, q[key][0]); err != nil {
			return err
		}
	}
	return nil
}

func (p *urlParser) applyParam(o *redis.UniversalOptions, sch scheme, key, value string) error {
	var err error
	switch key {
	case "dial_timeout":
		o.DialTimeout, err = p.parseDuration(key, value)
	case "read_timeout":
		o.ReadTimeout, err = p.parseDuration(key, value)
	case "write_timeout":
		o.WriteTimeout, err = p.parseDuration(key, value)
	case "pool_size":
		o.PoolSize, err = p.parseCount(key, value, 1)
	case "min_idle_conns":
		o.MinIdleConns, err = p.parseCount(key, value, 0)
	case "sentinel_username", "sentinel_password":
		if sch.topo != topoSentinel {
			return fmt.Errorf("%s is only valid with redis+sentinel:// or rediss+sentinel://", key)
		}
		if key == "sentinel_username" {
			o.SentinelUsername = value
		} else {
			o.SentinelPassword = value
		}
	default:
		return fmt.Errorf("unknown query parameter %s: want dial_timeout, read_timeout, write_timeout, pool_size, min_idle_conns, sentinel_username or sentinel_password", p.show(key))
	}
	return err
}

func (p *urlParser) parseDuration(key, value string) (time.Duration, error) {
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad %s %s: want a positive duration like 500ms or 2s", key, p.show(value))
	}
	return d, nil
}

func (p *urlParser) parseCount(key, value string, minimum int) (int, error) {
	n, err := strconv.Atoi(value)
	if err != nil || n < minimum {
		return 0, fmt.Errorf("bad %s %s: want a whole number, %d or more", key, p.show(value), minimum)
	}
	return n, nil
}

// secretsOf returns the parts of raw that may hold a password: everything
// between "://" and the last "@" (wherever a careless password put it), and
// every sentinel_password value, raw and decoded.
func secretsOf(raw string) []string {
	var secrets []string
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if i := strings.LastIndex(rest, "@"); i > 0 {
			secrets = append(secrets, rest[:i])
		}
	}
	for _, v := range sentinelPasswordValues(raw) {
		secrets = append(secrets, v)
		if dec, err := url.QueryUnescape(v); err == nil {
			secrets = append(secrets, dec)
		}
	}
	return secrets
}

// sentinelPasswordValues returns the raw values of every sentinel_password
// parameter found after the first "?".
func sentinelPasswordValues(raw string) []string {
	_, query, ok := strings.Cut(raw, "?")
	if !ok {
		return nil
	}
	var values []string
	for seg := range strings.SplitSeq(query, "&") {
		k, v, _ := strings.Cut(seg, "=")
		if isSentinelPasswordKey(k) && v != "" {
			values = append(values, v)
		}
	}
	return values
}

func isSentinelPasswordKey(rawKey string) bool {
	k, err := url.QueryUnescape(rawKey)
	return err == nil && k == "sentinel_password"
}

// Redact returns rawURL with its password and any sentinel_password value
// replaced by "***", so the URL can go into logs and error messages. It never
// fails: text that does not cut cleanly is masked from "://" to the last "@".
func Redact(rawURL string) string {
	parts, ok := cutURL(rawURL)
	if !ok || (!parts.hasUser && strings.Contains(redactQuery(parts.query), "@")) {
		// An "@" after the "?" with no user info before it most likely
		// belongs to a password with an unencoded "?".
		return redactUnparsed(rawURL)
	}
	var b strings.Builder
	b.WriteString(parts.scheme + "://")
	if parts.hasUser {
		user, _, hasPass := strings.Cut(parts.userinfo, ":")
		b.WriteString(user)
		if hasPass {
			b.WriteString(":***")
		}
		b.WriteString("@")
	}
	b.WriteString(parts.hosts)
	if parts.hasPath {
		b.WriteString("/" + parts.path)
	}
	if parts.hasQuery {
		b.WriteString("?" + redactQuery(parts.query))
	}
	return b.String()
}

func redactQuery(query string) string {
	if query == "" {
		return ""
	}
	segs := strings.Split(query, "&")
	for i, seg := range segs {
		if k, _, ok := strings.Cut(seg, "="); ok && isSentinelPasswordKey(k) {
			segs[i] = k + "=***"
		}
	}
	return strings.Join(segs, "&")
}

// redactUnparsed masks every sentinel_password value and then everything
// between the scheme and the last "@", for input that does not cut cleanly.
func redactUnparsed(raw string) string {
	head, rest, ok := strings.Cut(raw, "://")
	if ok {
		head += "://"
	} else {
		head, rest = "", raw
	}
	if before, query, hasQuery := strings.Cut(rest, "?"); hasQuery {
		rest = before + "?" + redactQuery(query)
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = "***" + rest[i:]
	}
	return head + rest
}
