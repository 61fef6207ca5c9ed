package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// opsClusterNode is one redis-server of a Cluster of a test's own.
type opsClusterNode struct {
	*opsRedisProc
	id  string
	bus int           // the cluster bus port
	rdb *redis.Client // a plain connection to this node alone
}

// opsCluster is a Redis Cluster of a test's own: primaries[i] serves the
// i-th equal share of the slots, replicas[i] replicate it.
type opsCluster struct {
	t         testing.TB
	primaries []*opsClusterNode
	replicas  [][]*opsClusterNode
}

// opsClusterNodeTimeout is how long a primary may be silent before the
// others mark it failed and promote a replica (Redis's default is 15 s).
const opsClusterNodeTimeout = "1000"

// opsStartCluster starts a Cluster of n primaries, each with perPrimary
// replicas, every node with AOF fsynced on every write, and waits until
// every node reports the cluster ok and every replica is in sync. It is
// put together with CLUSTER commands rather than redis-cli, so that it
// needs nothing beyond redis-server.
func opsStartCluster(t testing.TB, n, perPrimary int) *opsCluster {
	t.Helper()
	c := &opsCluster{t: t}
	start := func(name string) *opsClusterNode {
		bus := opsFreePort(t)
		node := &opsClusterNode{bus: bus, opsRedisProc: opsRedisServer(t, name, "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", opsClusterNodeTimeout,
			"--cluster-port", strconv.Itoa(bus))}
		node.rdb = redis.NewClient(&redis.Options{Addr: node.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { node.rdb.Close() })
		id, err := node.rdb.ClusterMyID(context.Background()).Result()
		if err != nil {
			t.Fatalf("%s: CLUSTER MYID: %v", name, err)
		}
		node.id = id
		return node
	}
	for i := range n {
		c.primaries = append(c.primaries, start(fmt.Sprintf("primary%d", i+1)))
		var rs []*opsClusterNode
		for j := range perPrimary {
			rs = append(rs, start(fmt.Sprintf("primary%d-replica%d", i+1, j+1)))
		}
		c.replicas = append(c.replicas, rs)
	}
	ctx := context.Background()
	all := c.nodes()
	for i, p := range c.primaries {
		lo, hi := i*16384/n, (i+1)*16384/n-1
		if err := p.rdb.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("%s: CLUSTER ADDSLOTSRANGE %d %d: %v", p.name, lo, hi, err)
		}
	}
	for _, node := range all[1:] {
		// The bus port is not the default (port + 10000), so MEET names it.
		if err := node.rdb.Do(ctx, "cluster", "meet", "127.0.0.1", all[0].port, all[0].bus).Err(); err != nil {
			t.Fatalf("%s: CLUSTER MEET: %v", node.name, err)
		}
	}
	// A replica can follow its primary only once it knows it.
	if err := opsEventually(20*time.Second, func() error { return c.everyNode("cluster_known_nodes:" + strconv.Itoa(len(all))) }); err != nil {
		t.Fatalf("the nodes did not meet: %v", err)
	}
	for i, rs := range c.replicas {
		for _, r := range rs {
			if err := r.rdb.ClusterReplicate(ctx, c.primaries[i].id).Err(); err != nil {
				t.Fatalf("%s: CLUSTER REPLICATE: %v", r.name, err)
			}
		}
	}
	if err := opsEventually(30*time.Second, func() error {
		if err := c.everyNode("cluster_state:ok"); err != nil {
			return err
		}
		for _, rs := range c.replicas {
			for _, r := range rs {
				info, err := r.rdb.Info(ctx, "replication").Result()
				if err != nil || !strings.Contains(info, "master_link_status:up") {
					return fmt.Errorf("%s not in sync: %v", r.name, err)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("the cluster did not come up: %v", err)
	}
	return c
}

func (c *opsCluster) nodes() []*opsClusterNode {
	out := slices.Clone(c.primaries)
	for _, rs := range c.replicas {
		out = append(out, rs...)
	}
	return out
}

// everyNode is nil when CLUSTER INFO on every live node has line.
func (c *opsCluster) everyNode(line string) error {
	for _, node := range c.nodes() {
		if node.gone() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := node.rdb.ClusterInfo(ctx).Result()
		cancel()
		if err != nil || !strings.Contains(info, line+"\r\n") {
			return fmt.Errorf("%s: want %s: %v", node.name, line, err)
		}
	}
	return nil
}

// URL is the cluster's REDIS_URL: every primary as a seed.
func (c *opsCluster) URL() string {
	var hosts []string
	for _, p := range c.primaries {
		hosts = append(hosts, p.Addr())
	}
	return "redis+cluster://" + strings.Join(hosts, ",")
}

// owner is the index of the primary that was given key's slot.
func (c *opsCluster) owner(key string) int {
	slot, err := c.primaries[0].rdb.ClusterKeySlot(context.Background(), key).Result()
	if err != nil {
		c.t.Fatalf("CLUSTER KEYSLOT %s: %v", key, err)
	}
	n := len(c.primaries)
	for i := range n {
		if int(slot) <= (i+1)*16384/n-1 {
			return i
		}
	}
	return n - 1
}

// servedBy is the address of the node a live node says serves key's slot.
func (c *opsCluster) servedBy(key string) string {
	for _, node := range c.nodes() {
		if node.gone() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		slot, err1 := node.rdb.ClusterKeySlot(ctx, key).Result()
		shards, err2 := node.rdb.ClusterShards(ctx).Result()
		cancel()
		if err1 != nil || err2 != nil {
			continue
		}
		for _, shard := range shards {
			if !slices.ContainsFunc(shard.Slots, func(r redis.SlotRange) bool { return r.Start <= slot && slot <= r.End }) {
				continue
			}
			for _, n := range shard.Nodes {
				if n.Role == "master" && n.Health == "online" {
					return net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10))
				}
			}
		}
	}
	return ""
}

// TestClusterFailover runs the server against a real Redis Cluster —
// three primaries, a replica each — and kills the primary that holds the
// tenant's hash slot while complaints flow. The replica is promoted by
// the other primaries, with no Sentinel. Requests in flight may fail with
// 503; service resumes by itself.
//
// It runs with the stores' commands auto-pipelined (the default) and
// without: go-redis marks its auto-pipeliner experimental, and a Cluster is
// where it routes the most. Replication is asynchronous in both, so the
// last writes the primary acknowledged may be lost; they are reported. A
// third run gives every primary two replicas and makes every reply wait for
// one of them (FRONTDOOR_REDIS_WAIT_REPLICAS=1), which leaves one to wait
// for after the other is promoted, and must lose no ticket number given
// out.
func TestClusterFailover(t *testing.T) {
	// Mostly waiting for Redis's timers: it runs beside the other
	// operations tests that wait.
	t.Parallel()
	opsNeed(t, "redis-server")
	t.Run("auto-pipelined", func(t *testing.T) { opsClusterFailover(t, 1, 0, "true") })
	t.Run("one command at a time", func(t *testing.T) { opsClusterFailover(t, 1, 0, "false") })
	t.Run("waiting for a replica", func(t *testing.T) { opsClusterFailover(t, 2, 1, "true") })
}

func opsClusterFailover(t *testing.T, replicas, wait int, autoPipeline string) {
	c := opsStartCluster(t, 3, replicas)
	p := opsServe(t, "server", map[string]string{"REDIS_URL": c.URL(), "FRONTDOOR_REDIS_AUTOPIPELINE": autoPipeline,
		"FRONTDOOR_REDIS_WAIT_REPLICAS": strconv.Itoa(wait), "FRONTDOOR_REDIS_WAIT_TIMEOUT": "1500ms"})
	tenantKey := opsKeys.Tenant(opsTenant, "clocks")
	owner := c.owner(tenantKey)
	victim, heirs := c.primaries[owner], c.replicas[owner]

	opsFailover(t, p, c.URL(), wait, opsComplaint("cluster"), victim.Kill, func() bool {
		served := c.servedBy(tenantKey)
		return slices.ContainsFunc(heirs, func(h *opsClusterNode) bool { return h.Addr() == served })
	}, fmt.Sprintf("cluster failover with %d replicas per primary, replies waiting for %d", replicas, wait))
}

// TestClusterWaitsForTheTenantsReplica shows that on a Cluster a reply
// waits for the replicas of the primary that holds the tenant's slot, not
// of whichever node a keyless WAIT would reach: with that one replica gone,
// and the other primaries' replicas up, complaints are answered 503 (their
// writes kept for the retry), not acknowledged.
func TestClusterWaitsForTheTenantsReplica(t *testing.T) {
	opsNeed(t, "redis-server")
	c := opsStartCluster(t, 3, 1)
	p := opsServe(t, "server", map[string]string{"REDIS_URL": c.URL(),
		"FRONTDOOR_REDIS_WAIT_REPLICAS": "1", "FRONTDOOR_REDIS_WAIT_TIMEOUT": "300ms"})
	complaint := opsComplaint("cluster-wait")
	if r := opsMustSend(t, p.URL(), complaint(0)); r.TicketID() == "" {
		t.Fatalf("with every replica up: %s", r.Body)
	}
	c.replicas[c.owner(opsKeys.Tenant(opsTenant, "clocks"))][0].Kill()
	for n := range int64(6) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r := opsSend(ctx, p.URL(), complaint(n+1))
		cancel()
		if r.Status != http.StatusServiceUnavailable {
			t.Errorf("complaint %d with the tenant's replica gone: %d %.120s; want 503", n+1, r.Status, r.Body)
		}
	}
}
