package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
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
			}
		})
	}
	for _, k := range []string{"Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler", "StatefulSet"} {
		if kinds[k] == 0 {
			t.Errorf("no %s manifest", k)
		}
	}
}

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
		if path(doc, "spec", "selector", "matchLabels") == nil {
			t.Error("Deployment needs a selector")
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
// with the Secret's variables the way the Deployment passes them, and
// wants the configuration to pass Validate: a manifest that parses but
// would stop start-up is caught here.
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
	secrets, _ := path(object("deployments/kubernetes/secret.yaml", "frontdoor-secrets"), "stringData").(map[string]any)
	env := map[string]string{"FRONTDOOR_SEEDS": "/srv/frontdoor/seeds"}
	for k, v := range secrets {
		env[k], _ = v.(string)
	}
	c, err := LoadConfig(file, envOf(env))
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Errorf("the Kubernetes configuration would not start: %v", err)
	}
}
