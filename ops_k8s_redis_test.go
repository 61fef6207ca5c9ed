package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdoor/bot/store/storetest"
)

const k8sRedisManifestFile = "deployments/kubernetes/redis-sentinel.yaml"

// TestK8sRedisSentinelStarts runs the Kubernetes Redis reference
// (deployments/kubernetes/redis-sentinel.yaml) with real redis-server and
// redis-sentinel processes: the ConfigMap's redis.conf and sentinel.conf,
// and the StatefulSet containers' start scripts run with sh, three pods'
// worth (a primary, two replicas, three sentinels with quorum 2). Each
// script gets the environment the manifest gives its container in pod
// redis-N, with $(VAR) references expanded as Kubernetes does, and changed
// only where a single test machine cannot be a cluster: every pod's name
// becomes localhost (a host name still, so the sentinels must resolve and
// announce names as in the cluster), each instance listens on loopback on
// a free port of its own, and the two volume mounts become temporary
// directories. The replicas must replicate and the
// sentinels must find the primary, the replicas and each other. It then
// fails the primary over and restarts the old one, which must come back as
// a replica of the new primary, and restarts a sentinel, which must keep
// its id and follow the new primary.
func TestK8sRedisSentinelStarts(t *testing.T) {
	// Mostly waiting for Redis's timers: it runs beside the other
	// operations tests that wait.
	t.Parallel()
	opsNeedRedis(t, "redis-server", "redis-sentinel", "redis-cli")
	// The scripts' other tools, which the redis image has.
	for _, tool := range []string{"sh", "env", "awk", "sed", "wc", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the start scripts run %s, which is not on PATH: sudo apt-get install coreutils (Debian/Ubuntu), "+
				"brew install coreutils with its gnubin directory on PATH (macOS)", tool)
		}
	}
	m := k8sParseRedisManifest(t)
	const pods = 3
	if m.replicas != pods {
		t.Fatalf("the StatefulSet runs %d pods; this test expects %d (a primary and two replicas)", m.replicas, pods)
	}
	configDir := t.TempDir()
	for name, text := range m.files {
		if err := os.WriteFile(filepath.Join(configDir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var redisPorts, sentinelPorts []string
	for range pods {
		redisPorts = append(redisPorts, strconv.Itoa(opsFreePort(t)))
		sentinelPorts = append(sentinelPorts, strconv.Itoa(opsFreePort(t)))
	}
	dataDirs := make([]string, pods)
	for i := range dataDirs {
		dataDirs[i] = t.TempDir()
	}
	// The only differences from a pod of the cluster.
	local := func(pod int) map[string]string {
		return map[string]string{
			"ANNOUNCE_HOST": "localhost", "PRIMARY_HOST": "localhost", "BIND_ADDRESS": "127.0.0.1 -::1",
			"REDIS_PORT": redisPorts[pod], "PRIMARY_PORT": redisPorts[0], "SENTINEL_PORT": sentinelPorts[pod],
			// The Service sends a pod to any sentinel; here the next pod's.
			"SENTINEL_SERVICE": "localhost:" + sentinelPorts[(pod+1)%pods],
			"CONFIG_DIR":       configDir, "DATA_DIR": dataDirs[pod],
		}
	}
	start := func(container string, pod int) *opsRedisProc {
		t.Helper()
		c := m.containers[container]
		env := k8sPodEnv(t, c, fmt.Sprintf("%s-%d", m.name, pod), m.namespace)
		for k, v := range local(pod) {
			if _, ok := env[k]; !ok {
				t.Fatalf("container %s sets no %s, which the test would set", container, k)
			}
			env[k] = v
		}
		script := k8sExpand(c.script, func(name string) (string, bool) { v, ok := env[name]; return v, ok })
		args := []string{"-i", "PATH=" + os.Getenv("PATH")}
		for k, v := range env {
			args = append(args, k+"="+v)
		}
		args = append(args, "sh", "-c", script)
		port, _ := strconv.Atoi(map[string]string{"redis": redisPorts[pod], "sentinel": sentinelPorts[pod]}[container])
		return opsStartRedis(t, fmt.Sprintf("%s-%d-%s", m.name, pod, container), "env", port, args...)
	}
	began := time.Now()

	servers := make([]*opsRedisProc, pods)
	for i := range pods {
		servers[i] = start("redis", i)
	}
	primary := opsRedisClient(t, servers[0].Addr())
	for _, s := range servers {
		c := opsRedisClient(t, s.Addr())
		// Replicas and frontdoor connect from other pods, not over loopback.
		if got := c.ConfigGet(context.Background(), "protected-mode").Val()["protected-mode"]; got != "no" {
			t.Errorf("%s: protected-mode %q: Redis would refuse the replicas and frontdoor, which connect from other pods", s.name, got)
		}
	}
	for _, want := range [][2]string{{"appendonly", "yes"}, {"appendfsync", "always"}, {"maxmemory-policy", "noeviction"}} {
		if got := primary.ConfigGet(context.Background(), want[0]).Val()[want[0]]; got != want[1] {
			t.Errorf("primary: %s %q, want %q", want[0], got, want[1])
		}
	}
	for _, s := range servers[1:] {
		if err := storetest.AwaitSync(s.Addr(), 15*time.Second); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if info := opsReplication(t, s.Addr()); info["master_port"] != redisPorts[0] {
			t.Errorf("%s replicates from port %s, want the primary's %s", s.name, info["master_port"], redisPorts[0])
		}
	}
	if info := opsReplication(t, servers[0].Addr()); info["role"] != "master" || info["connected_slaves"] != "2" {
		t.Fatalf("%s: role %s with %s replicas, want master with 2", servers[0].name, info["role"], info["connected_slaves"])
	}
	t.Logf("primary and replicas in sync %v after the start", time.Since(began).Round(time.Millisecond))

	sentinels := make([]*opsRedisProc, pods)
	for i := range pods {
		sentinels[i] = start("sentinel", i)
	}
	want := net.JoinHostPort("localhost", redisPorts[0])
	replicas := []string{net.JoinHostPort("localhost", redisPorts[1]), net.JoinHostPort("localhost", redisPorts[2])}
	if err := opsEventually(20*time.Second, func() error {
		for _, s := range sentinels {
			if err := k8sSentinelSees(s, m.masterName, want, replicas); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("the sentinels do not agree on the primary and its replicas: %v", err)
	}
	t.Logf("sentinels see the primary, both replicas and each other %v after the start", time.Since(began).Round(time.Millisecond))

	// A failover, then the old primary's pod restarts: it must ask the
	// sentinels and come back as a replica, not as a second primary.
	myid := k8sSentinelMyID(t, sentinels[0])
	servers[0].Kill()
	failover := redis.NewSentinelClient(&redis.Options{Addr: sentinels[1].Addr()})
	defer failover.Close()
	if err := failover.Failover(context.Background(), m.masterName).Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	var promoted string
	if err := opsEventually(15*time.Second, func() error {
		promoted = opsSentinelMaster(sentinels[1], m.masterName)
		if !slices.Contains(replicas, promoted) {
			return fmt.Errorf("sentinel names %q", promoted)
		}
		return nil
	}); err != nil {
		t.Fatalf("no replica promoted: %v", err)
	}
	_, promotedPort, _ := net.SplitHostPort(promoted)
	servers[0] = start("redis", 0)
	if info := opsReplication(t, servers[0].Addr()); info["role"] != "slave" || info["master_port"] != promotedPort {
		t.Fatalf("the old primary restarted as %s of port %q; want a replica of the promoted %s", info["role"], info["master_port"], promoted)
	}
	if err := storetest.AwaitSync(servers[0].Addr(), 15*time.Second); err != nil {
		t.Fatalf("restarted old primary: %v", err)
	}
	t.Logf("failed over to %s; the old primary back as its replica %v after the start", promoted, time.Since(began).Round(time.Millisecond))

	sentinels[0].Kill()
	sentinels[0] = start("sentinel", 0)
	if got := k8sSentinelMyID(t, sentinels[0]); got != myid {
		t.Errorf("the restarted sentinel's id is %s, was %s: the others would count it twice", got, myid)
	}
	if got := opsSentinelMaster(sentinels[0], m.masterName); got != promoted {
		t.Errorf("the restarted sentinel watches %s, not the current primary %s", got, promoted)
	}
	t.Logf("done in %v", time.Since(began).Round(time.Millisecond))
}

// k8sRedisManifest is what the test takes from the manifest.
type k8sRedisManifest struct {
	name, namespace string
	replicas        int
	files           map[string]string // the ConfigMap's files
	containers      map[string]k8sContainer
	masterName      string
}

type k8sContainer struct {
	script string
	env    []any // the container's env list, as parsed
}

// k8sParseRedisManifest reads the StatefulSet and its ConfigMap, and checks
// what makes the test's substitutions stand for the cluster: the scripts
// reach the mounts only through CONFIG_DIR and DATA_DIR, which name the
// mount paths; redis-0 is the first primary and announces the name the
// headless Service gives it; SENTINEL_SERVICE is the sentinels' Service.
func k8sParseRedisManifest(t *testing.T) k8sRedisManifest {
	t.Helper()
	docs := yamlDocs(t, k8sRedisManifestFile)
	byKind := func(kind, name string) map[string]any {
		for _, d := range docs {
			if d["kind"] == kind && (name == "" || path(d, "metadata", "name") == name) {
				return d
			}
		}
		t.Fatalf("%s: no %s %s", k8sRedisManifestFile, kind, name)
		return nil
	}
	sts := byKind("StatefulSet", "")
	m := k8sRedisManifest{containers: map[string]k8sContainer{}, files: map[string]string{}}
	m.name, _ = path(sts, "metadata", "name").(string)
	m.namespace, _ = path(sts, "metadata", "namespace").(string)
	m.replicas, _ = path(sts, "spec", "replicas").(int)
	pod := path(sts, "spec", "template", "spec").(map[string]any)
	configMap := ""
	for _, v := range pod["volumes"].([]any) {
		if name, _ := path(v.(map[string]any), "configMap", "name").(string); name != "" {
			configMap = name
		}
	}
	for k, v := range path(byKind("ConfigMap", configMap), "data").(map[string]any) {
		m.files[k], _ = v.(string)
	}
	if m.files["redis.conf"] == "" || m.files["sentinel.conf"] == "" {
		t.Fatalf("ConfigMap %s lacks redis.conf or sentinel.conf", configMap)
	}
	for _, c := range pod["containers"].([]any) {
		c := c.(map[string]any)
		name, _ := c["name"].(string)
		var cmd []string
		for _, key := range []string{"command", "args"} {
			list, _ := c[key].([]any)
			for _, a := range list {
				cmd = append(cmd, fmt.Sprint(a))
			}
		}
		if len(cmd) != 3 || cmd[0] != "sh" || cmd[1] != "-c" {
			t.Fatalf("container %s runs %q; the test runs a `sh -c` script", name, cmd)
		}
		env, _ := c["env"].([]any)
		mounts := map[string]string{}
		for _, v := range c["volumeMounts"].([]any) {
			mounts[path(v.(map[string]any), "name").(string)] = path(v.(map[string]any), "mountPath").(string)
		}
		m.containers[name] = k8sContainer{script: cmd[2], env: env}
		vars := k8sPodEnv(t, m.containers[name], m.name+"-0", m.namespace)
		for volume, variable := range map[string]string{"config": "CONFIG_DIR", "data": "DATA_DIR"} {
			if mounts[volume] == "" || vars[variable] != mounts[volume] {
				t.Errorf("container %s: %s=%q, but volume %s is mounted at %q", name, variable, vars[variable], volume, mounts[volume])
			}
			if strings.Contains(cmd[2], mounts[volume]) {
				t.Errorf("container %s's script names %s itself instead of $%s", name, mounts[volume], variable)
			}
		}
	}
	if len(m.containers) != 2 || m.containers["redis"].script == "" || m.containers["sentinel"].script == "" {
		t.Fatalf("want containers redis and sentinel, got %d", len(m.containers))
	}

	serviceName, _ := path(sts, "spec", "serviceName").(string)
	if path(byKind("Service", serviceName), "spec", "clusterIP") != "None" ||
		path(byKind("Service", serviceName), "spec", "publishNotReadyAddresses") != true {
		t.Errorf("Service %s must be headless and publish not-ready pods: a sentinel resolves the primary's name before its pod is ready", serviceName)
	}
	for _, c := range []string{"redis", "sentinel"} {
		for i := range m.replicas {
			pod := fmt.Sprintf("%s-%d", m.name, i)
			env := k8sPodEnv(t, m.containers[c], pod, m.namespace)
			if want := fmt.Sprintf("%s.%s.%s.svc.cluster.local", pod, serviceName, m.namespace); env["ANNOUNCE_HOST"] != want {
				t.Errorf("%s of %s announces %q, want its name %q", c, pod, env["ANNOUNCE_HOST"], want)
			}
			first := env["ANNOUNCE_HOST"] == env["PRIMARY_HOST"] && env["REDIS_PORT"] == env["PRIMARY_PORT"]
			if first != (i == 0) {
				t.Errorf("%s of %s: ANNOUNCE_HOST %s:%s, PRIMARY_HOST %s:%s; want %s-0 alone to be the first primary",
					c, pod, env["ANNOUNCE_HOST"], env["REDIS_PORT"], env["PRIMARY_HOST"], env["PRIMARY_PORT"], m.name)
			}
			if i == 0 {
				m.masterName = env["MASTER_NAME"]
				host, port, _ := strings.Cut(env["SENTINEL_SERVICE"], ":")
				svc := byKind("Service", host)
				ports, _ := path(svc, "spec", "ports").([]any)
				if len(ports) != 1 || strconv.Itoa(path(ports[0].(map[string]any), "port").(int)) != port || port != env["SENTINEL_PORT"] {
					t.Errorf("SENTINEL_SERVICE %s is not the sentinels' Service and port", env["SENTINEL_SERVICE"])
				}
			}
		}
	}
	if m.masterName == "" {
		t.Fatal("no MASTER_NAME")
	}
	return m
}

// k8sPodEnv is the environment Kubernetes gives container c in pod: the
// downward API's metadata.name and metadata.namespace, and each value with
// $(VAR) references to the variables before it expanded.
func k8sPodEnv(t *testing.T, c k8sContainer, pod, namespace string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.env {
		e := e.(map[string]any)
		name, _ := e["name"].(string)
		switch field := path(e, "valueFrom", "fieldRef", "fieldPath"); {
		case field == "metadata.name":
			env[name] = pod
		case field == "metadata.namespace":
			env[name] = namespace
		case field != nil || e["valueFrom"] != nil:
			t.Fatalf("env %s: the test knows only metadata.name and metadata.namespace", name)
		default:
			env[name] = k8sExpand(fmt.Sprint(e["value"]), func(n string) (string, bool) { v, ok := env[n]; return v, ok })
		}
	}
	return env
}

// k8sExpand expands $(VAR) references the way Kubernetes does in env
// values, command and args: $$ is $, an unknown or unclosed reference
// stays as written, and any other $ is left alone.
func k8sExpand(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; next {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
			b.WriteByte(next)
			i++
		}
	}
	return b.String()
}

// k8sSentinelSees checks that sentinel s names primary, lists replicas as
// healthy, and reaches a quorum with the two other sentinels.
func k8sSentinelSees(s *opsRedisProc, masterName, primary string, replicas []string) error {
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr(), DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if got := opsSentinelMaster(s, masterName); got != primary {
		return fmt.Errorf("%s names primary %q, want %s", s.name, got, primary)
	}
	known, err := c.Replicas(ctx, masterName).Result()
	if err != nil {
		return fmt.Errorf("%s: SENTINEL REPLICAS: %v", s.name, err)
	}
	var healthy []string
	for _, r := range known {
		if r["flags"] == "slave" && r["master-link-status"] == "ok" {
			healthy = append(healthy, net.JoinHostPort(r["ip"], r["port"]))
		}
	}
	slices.Sort(healthy)
	if !slices.Equal(healthy, slices.Sorted(slices.Values(replicas))) {
		return fmt.Errorf("%s lists healthy replicas %v, want %v (all: %v)", s.name, healthy, replicas, known)
	}
	if ok, err := c.CkQuorum(ctx, masterName).Result(); err != nil || !strings.HasPrefix(ok, "OK 3 ") {
		return fmt.Errorf("%s: SENTINEL CKQUORUM: %q %v", s.name, ok, err)
	}
	return nil
}

// k8sSentinelMyID is SENTINEL MYID.
func k8sSentinelMyID(t *testing.T, s *opsRedisProc) string {
	t.Helper()
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
	defer c.Close()
	cmd := redis.NewStringCmd(context.Background(), "SENTINEL", "MYID")
	if err := c.Process(context.Background(), cmd); err != nil {
		t.Fatalf("%s: SENTINEL MYID: %v", s.name, err)
	}
	return cmd.Val()
}

// opsRedisClient is a client of the Redis at addr, closed when the test ends.
func opsRedisClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// opsReplication is INFO replication as fields.
func opsReplication(t testing.TB, addr string) map[string]string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	info, err := c.Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatalf("%s: INFO replication: %v", addr, err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(info, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}
