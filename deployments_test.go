package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestDeploymentManifests parses every YAML file under deployments/ and
// checks the fields each kind of object needs; no container engine runs
// here, so this is what keeps the manifests honest.
func TestDeploymentManifests(t *testing.T) {
	files, _ := filepath.Glob("deployments/*/*.yaml")
	compose, _ := filepath.Glob("deployments/compose/*.yml")
	files = append(files, compose...)
	if len(files) < 7 {
		t.Fatalf("found only %d manifests: %v", len(files), files)
	}
	kinds := map[string]int{}
	var objects []map[string]any
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			for _, doc := range yamlDocs(t, f) {
				if strings.HasSuffix(f, ".yml") {
					checkCompose(t, doc)
					continue
				}
				kind, _ := doc["kind"].(string)
				kinds[kind]++
				checkObject(t, kind, doc)
				objects = append(objects, doc)
			}
		})
	}
	for _, k := range []string{"Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler", "StatefulSet"} {
		if kinds[k] == 0 {
			t.Errorf("no %s manifest", k)
		}
	}
	// frontdoor's metrics port is for Prometheus inside the cluster: no
	// Service of frontdoor's pods may carry it.
	for _, svc := range objects {
		if svc["kind"] != "Service" || path(svc, "spec", "selector", "app") != "frontdoor" {
			continue
		}
		ports, _ := path(svc, "spec", "ports").([]any)
		for _, p := range ports {
			target := fmt.Sprint(path(p.(map[string]any), "targetPort"))
			if target == "metrics" || target == strconv.Itoa(k8sMetricsPort) {
				t.Errorf("Service %s exposes frontdoor's metrics port", path(svc, "metadata", "name"))
			}
		}
	}
}

// k8sMetricsPort is where frontdoor serves /metrics in Kubernetes.
const k8sMetricsPort = 9090

// yamlDocs parses every document of a YAML file, skipping empty ones.
func yamlDocs(t *testing.T, file string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s does not parse: %v", file, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

func path(doc map[string]any, keys ...string) any {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func checkObject(t *testing.T, kind string, doc map[string]any) {
	t.Helper()
	if doc["apiVersion"] == nil || path(doc, "metadata", "name") == nil {
		t.Errorf("%s: apiVersion and metadata.name are required", kind)
	}
	switch kind {
	case "Deployment":
		containers, _ := path(doc, "spec", "template", "spec", "containers").([]any)
		if len(containers) == 0 {
			t.Fatal("Deployment without containers")
		}
		c := containers[0].(map[string]any)
		if path(c, "readinessProbe", "httpGet", "path") != "/readyz" || path(c, "livenessProbe", "httpGet", "path") != "/healthz" {
			t.Error("probes must be /readyz (readiness) and /healthz (liveness)")
		}
		if start := path(c, "startupProbe", "httpGet", "path"); start != nil && start != "/healthz" {
			t.Error("a startup probe must be /healthz: the server listens once its knowledge base is built")
		}
		if path(doc, "spec", "selector", "matchLabels") == nil {
			t.Error("Deployment needs a selector")
		}
		if path(doc, "metadata", "name") == "frontdoor" {
			checkFrontdoorPod(t, doc, c)
		}
	case "Service":
		if path(doc, "spec", "ports") == nil || path(doc, "spec", "selector") == nil {
			t.Error("Service needs ports and a selector")
		}
	case "HorizontalPodAutoscaler":
		if path(doc, "spec", "scaleTargetRef", "name") == nil || path(doc, "spec", "maxReplicas") == nil {
			t.Error("HPA needs scaleTargetRef and maxReplicas")
		}
	case "Secret", "ConfigMap":
		if path(doc, "data") == nil && path(doc, "stringData") == nil {
			t.Errorf("%s without data", kind)
		}
	}
}

func checkCompose(t *testing.T, doc map[string]any) {
	t.Helper()
	services, _ := doc["services"].(map[string]any)
	for _, name := range []string{"redis", "frontdoor-1", "frontdoor-2", "nginx"} {
		if services[name] == nil {
			t.Errorf("compose lacks service %s", name)
		}
	}
	if env := path(doc, "services", "frontdoor-1", "environment", "REDIS_URL"); env == nil {
		t.Error("frontdoor-1 has no REDIS_URL")
	}
	// The health check must ask the server, not merely run the binary.
	if test, _ := path(doc, "services", "frontdoor-1", "healthcheck", "test").([]any); len(test) < 3 || test[2] != "health" {
		t.Errorf("frontdoor-1's health check %v does not run `frontdoor health`", test)
	}
	var subnets []string
	configs, _ := path(doc, "networks", "default", "ipam", "config").([]any)
	for _, c := range configs {
		if s, ok := path(c.(map[string]any), "subnet").(string); ok {
			subnets = append(subnets, s)
		}
	}
	for _, name := range []string{"frontdoor-1", "frontdoor-2"} {
		env, _ := path(doc, "services", name, "environment").(map[string]any)
		str := func(k string) string { v, _ := env[k].(string); return v }
		if str("FRONTDOOR_ENV") != "production" {
			t.Errorf("%s: FRONTDOOR_ENV %q, want production (which refuses the demo keys)", name, str("FRONTDOOR_ENV"))
		}
		// Behind nginx, X-Forwarded-For must be believed from the
		// network nginx is on, or every business has nginx's address.
		proxies := str("FRONTDOOR_TRUSTED_PROXIES")
		if _, _, err := net.ParseCIDR(proxies); err != nil || len(subnets) != 1 || proxies != subnets[0] {
			t.Errorf("%s: FRONTDOOR_TRUSTED_PROXIES %q, want the compose network's subnet (networks.default.ipam.config: %v)", name, proxies, subnets)
		}
		if str("FRONTDOOR_METRICS_ADDR") == "" {
			t.Errorf("%s: no FRONTDOOR_METRICS_ADDR: /metrics would be served on the port nginx proxies", name)
		}
		if path(doc, "services", name, "ports") != nil {
			t.Errorf("%s publishes ports: only nginx may", name)
		}
		for _, k := range []string{"FRONTDOOR_API_KEY", "FRONTDOOR_ADMIN_KEY"} {
			if v := str(k); !strings.HasPrefix(v, "${"+k+":?") || !strings.HasSuffix(v, "}") {
				t.Errorf("%s: %s is %q; want ${%s:?message}, so that compose refuses to start without it", name, k, v, k)
			}
		}
		// Other secrets may be optional (empty switches a channel off) but
		// never have a value written here.
		for k, v := range env {
			v, _ := v.(string)
			if !strings.HasSuffix(k, "_KEY") && !strings.HasSuffix(k, "_TOKEN") && !strings.HasSuffix(k, "_SECRET") {
				continue
			}
			if _, def, _ := strings.Cut(v, ":-"); !strings.HasPrefix(v, "${") || def != "" && def != "}" {
				t.Errorf("%s: %s=%q: a secret comes from the environment, never from a value written here", name, k, v)
			}
		}
	}
	if ports, _ := path(doc, "services", "nginx", "ports").([]any); len(ports) != 1 || !strings.HasSuffix(fmt.Sprint(ports[0]), ":80") {
		t.Errorf("nginx publishes %v; want its port 80 alone", ports)
	}
}

// checkFrontdoorPod checks frontdoor's Deployment in Kubernetes: production
// mode, and /metrics on a port of its own that Prometheus is told about.
func checkFrontdoorPod(t *testing.T, doc map[string]any, c map[string]any) {
	t.Helper()
	env := containerEnv(c)
	if env["FRONTDOOR_ENV"] != "production" {
		t.Errorf("frontdoor: FRONTDOOR_ENV %q, want production", env["FRONTDOOR_ENV"])
	}
	metrics := -1
	ports, _ := c["ports"].([]any)
	for _, p := range ports {
		if path(p.(map[string]any), "name") == "metrics" {
			metrics, _ = path(p.(map[string]any), "containerPort").(int)
		}
	}
	if metrics != k8sMetricsPort || env["FRONTDOOR_METRICS_ADDR"] != ":"+strconv.Itoa(metrics) {
		t.Errorf("frontdoor: metrics container port %d, FRONTDOOR_METRICS_ADDR %q; want port %d named metrics, served there alone",
			metrics, env["FRONTDOOR_METRICS_ADDR"], k8sMetricsPort)
	}
	if got := path(doc, "spec", "template", "metadata", "annotations", "prometheus.io/port"); got != strconv.Itoa(k8sMetricsPort) {
		t.Errorf("frontdoor: prometheus.io/port %v, want %d", got, k8sMetricsPort)
	}
	// An init container that builds the knowledge base must build the one
	// the server reads: the same documents, and the snapshot on a volume
	// the server mounts at the same place.
	inits, _ := path(doc, "spec", "template", "spec", "initContainers").([]any)
	for _, ic := range inits {
		ic := ic.(map[string]any)
		initEnv := containerEnv(ic)
		for _, k := range []string{"FRONTDOOR_SEEDS", "FRONTDOOR_KB_SNAPSHOT"} {
			if initEnv[k] != env[k] {
				t.Errorf("init container %v: %s %q, the server's %q", ic["name"], k, initEnv[k], env[k])
			}
		}
		mounts := func(c map[string]any) map[string]string {
			out := map[string]string{}
			list, _ := c["volumeMounts"].([]any)
			for _, m := range list {
				m := m.(map[string]any)
				out[m["mountPath"].(string)] = m["name"].(string)
			}
			return out
		}
		theirs := mounts(c)
		for at, vol := range mounts(ic) {
			if theirs[at] != vol {
				t.Errorf("init container %v mounts %s at %s; the server mounts %q there", ic["name"], vol, at, theirs[at])
			}
		}
	}
}

// containerEnv is a container's environment variables given by value.
func containerEnv(c map[string]any) map[string]string {
	env := map[string]string{}
	list, _ := c["env"].([]any)
	for _, e := range list {
		e := e.(map[string]any)
		if v, ok := e["value"].(string); ok {
			env[e["name"].(string)] = v
		}
	}
	return env
}

// TestRedisConfRequiresDurability checks the reference Redis configuration
// keeps acknowledged writes.
func TestRedisConfRequiresDurability(t *testing.T) {
	data, err := os.ReadFile("deployments/redis.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"appendonly yes", "appendfsync always", "maxmemory-policy noeviction"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("redis.conf lacks %q", want)
		}
	}
}

// TestKubernetesConfigStartsTheServer loads the ConfigMap's frontdoor.yaml
// with the Secret's variables (its placeholders replaced, as an operator
// must) and the Deployment's own, production mode among them, the way the
// Deployment passes them, and wants the configuration to pass Validate: a
// manifest that parses but would stop start-up is caught here.
func TestKubernetesConfigStartsTheServer(t *testing.T) {
	object := func(file, name string) map[string]any {
		for _, doc := range yamlDocs(t, file) {
			if path(doc, "metadata", "name") == name {
				return doc
			}
		}
		t.Fatalf("%s: no object named %s", file, name)
		return nil
	}
	config, _ := path(object("deployments/kubernetes/configmap.yaml", "frontdoor-config"), "data", "frontdoor.yaml").(string)
	if config == "" {
		t.Fatal("frontdoor-config has no frontdoor.yaml")
	}
	file := filepath.Join(t.TempDir(), "frontdoor.yaml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	// The Secret, as an operator fills it in: every placeholder replaced
	// by a key of its own, the way its comment says.
	secrets, _ := path(object("deployments/kubernetes/secret.yaml", "frontdoor-secrets"), "stringData").(map[string]any)
	env := map[string]string{}
	for k, v := range secrets {
		v, _ := v.(string)
		switch {
		case v == "change-me-please":
			v = fmt.Sprintf("%x", sha256.Sum256([]byte(k))) // like openssl rand -hex 32
		case v != "" && (strings.HasSuffix(k, "_KEY") || strings.HasSuffix(k, "_TOKEN") || strings.HasSuffix(k, "_SECRET")):
			t.Errorf("secret.yaml: %s holds a value; a template holds change-me-please or nothing", k)
		}
		env[k] = v
	}
	// The Deployment's own variables, FRONTDOOR_ENV=production among them.
	deployment := object("deployments/kubernetes/deployment.yaml", "frontdoor")
	containers, _ := path(deployment, "spec", "template", "spec", "containers").([]any)
	for _, e := range path(containers[0].(map[string]any), "env").([]any) {
		e := e.(map[string]any)
		if v, ok := e["value"].(string); ok {
			env[e["name"].(string)] = v
		}
	}
	c, err := LoadConfig(file, envOf(env))
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Errorf("the Kubernetes configuration would not start: %v", err)
	}
}

// TestDeploymentComposeConfigStartsTheServer loads the configuration a
// compose server gets: its environment, with each variable compose
// requires (${NAME:?…}) given a key of its own and each optional one
// (${NAME:-}) left empty, and wants it to pass Validate in production.
func TestDeploymentComposeConfigStartsTheServer(t *testing.T) {
	doc := yamlDocs(t, "deployments/compose/docker-compose.yml")[0]
	vars, _ := path(doc, "services", "frontdoor-1", "environment").(map[string]any)
	reference := regexp.MustCompile(`^\$\{([A-Z0-9_]+)(:\?[^}]*|:-[^}]*)?\}$`)
	env := map[string]string{}
	for k, v := range vars {
		v := fmt.Sprint(v)
		if m := reference.FindStringSubmatch(v); m != nil {
			switch {
			case strings.HasPrefix(m[2], ":?"):
				v = fmt.Sprintf("%x", sha256.Sum256([]byte(m[1])))
			case strings.HasPrefix(m[2], ":-"):
				v = m[2][2:]
			default:
				t.Fatalf("%s=%s: say whether compose requires it (:?) or what it defaults to (:-)", k, v)
			}
		} else if strings.Contains(v, "$") {
			t.Fatalf("%s=%s: not a reference this test reads", k, v)
		}
		env[k] = v
	}
	if env["FRONTDOOR_ENV"] != "production" {
		t.Errorf("FRONTDOOR_ENV %q, want production", env["FRONTDOOR_ENV"])
	}
	c, err := LoadConfig("", envOf(env))
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Errorf("the compose configuration would not start: %v", err)
	}
}

// TestDeploymentComposeRedis starts redis-server the way the compose file
// does, with deployments/redis.conf, and wants it to accept the frontdoor
// containers: they connect over the compose network, not over loopback,
// and without a password protected mode would refuse them. (The image's
// entrypoint adds nothing here: it leaves protected mode alone when the
// configuration file names it.)
func TestDeploymentComposeRedis(t *testing.T) {
	opsNeedRedis(t, "redis-server")
	const file = "deployments/compose/docker-compose.yml"
	doc := yamlDocs(t, file)[0]
	var command []string
	list, _ := path(doc, "services", "redis", "command").([]any)
	for _, a := range list {
		command = append(command, fmt.Sprint(a))
	}
	if len(command) < 2 || command[0] != "redis-server" {
		t.Fatalf("compose's redis runs %q; want redis-server and a configuration file", command)
	}
	// The bind mounts' container paths are the files of this repository.
	volumes, _ := path(doc, "services", "redis", "volumes").([]any)
	for _, v := range volumes {
		parts := strings.Split(fmt.Sprint(v), ":")
		if len(parts) < 2 || !strings.HasPrefix(parts[0], ".") {
			continue
		}
		host, err := filepath.Abs(filepath.Join(filepath.Dir(file), parts[0]))
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range command {
			if a == parts[1] {
				command[i] = host
			}
		}
	}
	port := opsFreePort(t)
	// Loopback and a port of its own here; the compose network there.
	r := opsStartRedis(t, "compose-redis", "redis-server", port,
		append(command[1:], "--port", strconv.Itoa(port), "--dir", t.TempDir(), "--bind", "127.0.0.1")...)
	c := opsRedisClient(t, r.Addr())
	for _, want := range [][2]string{{"protected-mode", "no"}, {"appendonly", "yes"}, {"appendfsync", "always"}, {"maxmemory-policy", "noeviction"}} {
		if got := c.ConfigGet(context.Background(), want[0]).Val()[want[0]]; got != want[1] {
			t.Errorf("compose's redis: %s %q, want %q", want[0], got, want[1])
		}
	}
}

// nginxDirective is one directive of an nginx configuration, with its
// block when it has one.
type nginxDirective struct {
	name  string
	args  []string
	block []*nginxDirective
}

// parseNginx reads an nginx configuration: directives end with ; or open
// a block; # starts a comment; quotes group words.
func parseNginx(t *testing.T, text string) []*nginxDirective {
	t.Helper()
	var tokens []string
	for i := 0; i < len(text); {
		switch c := text[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == '{' || c == '}' || c == ';':
			tokens = append(tokens, string(c))
			i++
		case c == '"' || c == '\'':
			end := strings.IndexByte(text[i+1:], c)
			if end < 0 {
				t.Fatal("nginx.conf: unclosed quote")
			}
			tokens = append(tokens, "\x00"+text[i+1:i+1+end]) // quoted: never a { } or ;
			i += end + 2
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t\r\n{};#", rune(text[j])) {
				j++
			}
			tokens = append(tokens, text[i:j])
			i = j
		}
	}
	var parse func() []*nginxDirective
	parse = func() []*nginxDirective {
		var out []*nginxDirective
		var words []string
		for len(tokens) > 0 {
			tok := tokens[0]
			tokens = tokens[1:]
			switch tok {
			case ";":
				out = append(out, &nginxDirective{name: words[0], args: words[1:]})
				words = nil
			case "{":
				d := &nginxDirective{name: words[0], args: words[1:]}
				d.block = parse()
				out = append(out, d)
				words = nil
			case "}":
				return out
			default:
				words = append(words, strings.TrimPrefix(tok, "\x00"))
			}
		}
		if len(words) > 0 {
			t.Fatalf("nginx.conf: %q does not end with ;", words)
		}
		return out
	}
	return parse()
}

// nginxFind lists the directives of a block named name.
func nginxFind(block []*nginxDirective, name string) []*nginxDirective {
	var out []*nginxDirective
	for _, d := range block {
		if d.name == name {
			out = append(out, d)
		}
	}
	return out
}

// nginxLocation is the location of server that nginx picks for uri: an
// exact match, otherwise the longest prefix (the configuration has no
// regular expressions; the test refuses one rather than guess).
func nginxLocation(t *testing.T, server *nginxDirective, uri string) *nginxDirective {
	t.Helper()
	var best *nginxDirective
	for _, loc := range nginxFind(server.block, "location") {
		if len(nginxFind(loc.block, "location")) > 0 {
			t.Fatalf("location %v: nested locations are beyond this test", loc.args)
		}
		switch {
		case len(loc.args) == 2 && loc.args[0] == "=":
			if uri == loc.args[1] {
				return loc
			}
		case len(loc.args) == 2 && loc.args[0] == "^~", len(loc.args) == 1:
			prefix := loc.args[len(loc.args)-1]
			if strings.HasPrefix(uri, prefix) && (best == nil || len(prefix) > len(best.args[len(best.args)-1])) {
				best = loc
			}
		default:
			t.Fatalf("location %v: regular expressions are beyond this test", loc.args)
		}
	}
	return best
}

// nginxEffective is what a location gets of a directive: its own, or,
// when it has none, the server's, or the file's (nginx inherits array
// directives such as proxy_set_header only into a level that sets none).
func nginxEffective(levels [][]*nginxDirective, name string) []*nginxDirective {
	for _, level := range levels {
		if found := nginxFind(level, name); len(found) > 0 {
			return found
		}
	}
	return nil
}

// TestDeploymentNginx checks the compose deployment's nginx: the metrics
// and the admin reload are not served to the public, every proxied
// location forwards the headers frontdoor reads, and every path that
// streams is not buffered.
func TestDeploymentNginx(t *testing.T) {
	data, err := os.ReadFile("deployments/compose/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	top := parseNginx(t, string(data))
	servers := nginxFind(top, "server")
	if len(servers) == 0 {
		t.Fatal("nginx.conf has no server")
	}
	// The paths that stream, from the handlers that write text/event-stream.
	streaming := map[string]string{"console_sse.go": "/console/events"}
	files, _ := filepath.Glob("handlers/*.go")
	for _, f := range files {
		src, _ := os.ReadFile(f)
		if strings.HasSuffix(f, "_test.go") || !bytes.Contains(src, []byte("text/event-stream")) {
			continue
		}
		if streaming[filepath.Base(f)] == "" {
			t.Errorf("%s streams text/event-stream: add its path to this test and an unbuffered location to nginx.conf", f)
		}
	}
	for _, server := range servers {
		for _, uri := range []string{"/metrics", "/metrics/", "/api/v1/admin/reload"} {
			loc := nginxLocation(t, server, uri)
			if loc == nil || len(nginxFind(loc.block, "proxy_pass")) > 0 ||
				len(nginxFind(loc.block, "return")) == 0 || nginxFind(loc.block, "return")[0].args[0] != "404" {
				t.Errorf("%s is served to the public; want a location that returns 404", uri)
			}
		}
		for _, uri := range append([]string{"/", "/api/v1/messages", "/chat", "/wechat/demo", "/console/"}, streaming["console_sse.go"]) {
			if loc := nginxLocation(t, server, uri); loc == nil || len(nginxFind(loc.block, "proxy_pass")) == 0 {
				t.Errorf("%s is not proxied to frontdoor", uri)
			}
		}
		for _, loc := range nginxFind(server.block, "location") {
			if len(nginxFind(loc.block, "proxy_pass")) == 0 {
				continue
			}
			levels := [][]*nginxDirective{loc.block, server.block, top}
			headers := map[string]string{}
			for _, d := range nginxEffective(levels, "proxy_set_header") {
				headers[strings.ToLower(d.args[0])] = strings.Join(d.args[1:], " ")
			}
			for _, h := range []string{"Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"} {
				if headers[strings.ToLower(h)] == "" {
					t.Errorf("location %v does not send %s (it sends %v)", loc.args, h, headers)
				}
			}
			// Keep-alive to the upstream needs HTTP/1.1 and no Connection: close.
			version := nginxEffective(levels, "proxy_http_version")
			if c, ok := headers["connection"]; !ok || c != "" || len(version) == 0 || version[0].args[0] != "1.1" {
				t.Errorf("location %v: want proxy_http_version 1.1 and an empty Connection header for the upstream's keepalive", loc.args)
			}
		}
		for _, uri := range streaming {
			loc := nginxLocation(t, server, uri)
			if b := nginxEffective([][]*nginxDirective{loc.block, server.block, top}, "proxy_buffering"); len(b) == 0 || b[0].args[0] != "off" {
				t.Errorf("%s streams, but nginx buffers it", uri)
			}
		}
	}
}

// dockerfileStages reads a Dockerfile into its stages, each a list of
// instructions with continuation lines joined and comments dropped.
func dockerfileStages(t *testing.T, file string) [][][2]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][][2]string
	var line string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		line += strings.TrimSpace(l)
		if strings.HasSuffix(line, "\\") {
			line = strings.TrimSuffix(line, "\\") + " "
			continue
		}
		if line == "" {
			continue
		}
		op, rest, _ := strings.Cut(line, " ")
		op = strings.ToUpper(op)
		if op == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %s before FROM", file, op)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], [2]string{op, strings.TrimSpace(rest)})
		line = ""
	}
	return stages
}

// TestDeploymentDockerfile checks the image runs as a fixed non-root user
// (the one the Kubernetes Deployment names, so that runAsNonRoot can check
// it) with a data directory of its own: without REDIS_URL the server
// starts the image's redis-server with its files there, and the working
// directory is not writable.
func TestDeploymentDockerfile(t *testing.T) {
	const file = "deployments/Dockerfile"
	stages := dockerfileStages(t, file)
	if len(stages) == 0 {
		t.Fatalf("%s has no stage", file)
	}
	final := stages[len(stages)-1]
	var user, dataDir string
	var runs, volumes []string
	for _, in := range final {
		switch in[0] {
		case "USER":
			user = in[1]
		case "ENV":
			fields := strings.Fields(in[1])
			if len(fields) == 2 && !strings.Contains(fields[0], "=") {
				fields = []string{fields[0] + "=" + fields[1]}
			}
			for _, f := range fields {
				if k, v, _ := strings.Cut(f, "="); k == "FRONTDOOR_DATA_DIR" {
					dataDir = strings.Trim(v, `"`)
				}
			}
		case "RUN":
			for _, cmd := range strings.Split(in[1], "&&") {
				runs = append(runs, strings.TrimSpace(cmd))
			}
		case "VOLUME":
			volumes = append(volumes, strings.Fields(strings.NewReplacer("[", " ", "]", " ", ",", " ", `"`, " ").Replace(in[1]))...)
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); err != nil || n == 0 {
		t.Fatalf("the image runs as USER %q; want a numeric user other than root", user)
	}
	deployment := yamlDocs(t, "deployments/kubernetes/deployment.yaml")[0]
	if got := path(deployment, "spec", "template", "spec", "securityContext", "runAsUser"); fmt.Sprint(got) != uid {
		t.Errorf("the Deployment runs as %v, the image as %s", got, uid)
	}
	if !filepath.IsAbs(dataDir) {
		t.Fatalf("FRONTDOOR_DATA_DIR %q: want an absolute directory of the image", dataDir)
	}
	created, owned, redis := false, false, false
	for _, cmd := range runs {
		f := strings.Fields(cmd)
		if len(f) == 0 {
			continue
		}
		if (f[0] == "mkdir" || f[0] == "install" && slices.Contains(f, "-d")) && slices.Contains(f, dataDir) {
			created = true
			if i := slices.Index(f, "-o"); f[0] == "install" && i >= 0 && i+1 < len(f) && f[i+1] == uid {
				owned = true
			}
		}
		if f[0] == "chown" && len(f) > 2 && (f[1] == uid || strings.HasPrefix(f[1], uid+":")) && slices.Contains(f, dataDir) {
			owned = true
		}
		if slices.Contains(f, "apt-get") && slices.Contains(f, "install") && slices.Contains(f, "redis-server") {
			redis = true
		}
	}
	if !created || !owned {
		t.Errorf("%s: FRONTDOOR_DATA_DIR %s is not created (%v) and given to user %s (%v)", file, dataDir, created, uid, owned)
	}
	if !slices.Contains(volumes, dataDir) {
		t.Errorf("%s: %s is not a VOLUME: the embedded Redis's data would live in the container's layer", file, dataDir)
	}
	if !redis {
		t.Errorf("%s: the image has no redis-server: without REDIS_URL every ticket would be lost on restart", file)
	}
}

// dockerignored reports whether .dockerignore's patterns keep name (a
// slash-separated path in the build context) out of the context: a
// pattern matches the path or a directory above it, ** any number of
// directories, and the last matching pattern wins (! re-includes).
func dockerignored(patterns []string, name string) bool {
	ignored := false
	for _, p := range patterns {
		negate := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")
		p = strings.TrimSuffix(p, "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		re.WriteString("(/.*)?$")
		if regexp.MustCompile(re.String()).MatchString(name) {
			ignored = !negate
		}
	}
	return ignored
}

// TestDeploymentDockerignore checks the image's build context leaves out
// the data and secrets of a working copy, and keeps what the build needs.
func TestDeploymentDockerignore(t *testing.T) {
	data, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatalf("no .dockerignore: docker build would send var/ (the embedded Redis's tickets and messages) and .git: %v", err)
	}
	var patterns []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	for _, name := range []string{"var", "var/redis/appendonlydir/appendonly.aof.1.incr.aof", ".git", ".git/config",
		"bin/frontdoor", "artifacts/console.png", "dump.rdb", "seeds/dump.rdb", "appendonly.aof", ".env", ".env.production",
		"deployments/compose/.env", "frontdoor.yaml"} {
		if !dockerignored(patterns, name) {
			t.Errorf(".dockerignore lets %s into the build context", name)
		}
	}
	needed := []string{"go.mod", "go.sum", "seeds/catalogue.yaml", "seeds/calendar.yaml", "seeds/questions/x.yaml",
		"seeds/corpus/x.jsonl", "knowledge/dict/general.txt", "handlers/console/templates/x.html", "handlers/chat/index.html"}
	_ = filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && (p == ".git" || p == "var" || p == "bin" || p == "artifacts") {
			return filepath.SkipDir
		}
		if err == nil && strings.HasSuffix(p, ".go") {
			needed = append(needed, filepath.ToSlash(p))
		}
		return nil
	})
	for _, name := range needed {
		if dockerignored(patterns, name) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", name)
		}
	}
}
