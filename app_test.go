package main

import "testing"

func TestConnectedReplicas(t *testing.T) {
	tests := []struct {
		name, info string
		want       int
	}{
		{"primary with two", "# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=10.0.0.2,port=6379\r\n", 2},
		{"primary alone", "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n", 0},
		{"no such line", "# Replication\r\nrole:slave\r\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := connectedReplicas(tt.info); got != tt.want {
				t.Errorf("connectedReplicas = %d, want %d", got, tt.want)
			}
		})
	}
}
